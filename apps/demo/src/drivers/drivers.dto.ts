import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsLatitude, IsLongitude, IsNumber, Max, Min } from 'class-validator';

export class DriverLocationDto {
  @ApiProperty({ example: 52.52 })
  @Type(() => Number)
  @IsLatitude()
  lat: number;

  @ApiProperty({ example: 13.405 })
  @Type(() => Number)
  @IsLongitude()
  lng: number;
}

export class NearbyQueryDto extends DriverLocationDto {
  @ApiProperty({ example: 5, description: 'radius in kilometres (0.1 to 100)' })
  @Type(() => Number)
  @IsNumber()
  @Min(0.1)
  @Max(100)
  km: number;
}

export class NearbyDriverDto {
  @ApiProperty() id: string;
  @ApiProperty() distanceKm: number;
  @ApiProperty() lat: number;
  @ApiProperty() lng: number;
}
