import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class CreateOrderDto {
  @ApiProperty({ example: 5 }) @IsInt() @Min(1) productId: number;
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @IsInt() @Min(1) @Max(10) quantity?: number;
}

export class OrderDto {
  @ApiProperty() id: number;
  @ApiProperty() productId: number;
  @ApiProperty() productName: string;
  @ApiProperty() quantity: number;
  @ApiProperty() totalCents: number;
  @ApiProperty({ description: 'the lock fencing token this order was written with' }) fencingToken: string;
  @ApiProperty({ description: 'units of the product left (now)' }) stockLeft: number;
  @ApiProperty() createdAt: string;
}
