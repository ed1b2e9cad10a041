import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class ProductDto {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'price in cents' }) priceCents: number;
  @ApiProperty() stock: number;
  @ApiProperty() updatedAt: string;
}

export class ProductDetailDto extends ProductDto {
  @ApiProperty({ description: 'units sold so far (from the query cache)' }) unitsSold: number;
}

/** `PUT /products/:id`: any subset of the editable fields. */
export class UpdateProductDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 2000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100_000_000) priceCents?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(1_000_000) stock?: number;
}
