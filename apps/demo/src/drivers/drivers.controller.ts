import { Body, Controller, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from 'nestjs-rediskit';
import { DriverIdPipe } from './driver-id.pipe.js';
import { DriverLocationDto, NearbyDriverDto, NearbyQueryDto } from './drivers.dto.js';
import { DriversService } from './drivers.service.js';

/** Real-time driver positions (`GeoService`: Redis GEO, drivers drop out when they stop reporting). */
@ApiTags('drivers')
@Public()
@Controller('drivers')
export class DriversController {
  constructor(private readonly drivers: DriversService) {}

  /** A driver's app reports its position (every few seconds in real life). */
  @Put(':id/location')
  @HttpCode(200)
  async updateLocation(@Param('id', DriverIdPipe) id: string, @Body() body: DriverLocationDto): Promise<{ id: string; known: number }> {
    return { id, known: await this.drivers.updateLocation(id, body.lat, body.lng) };
  }

  /** Drivers within `km` of a point, nearest first. */
  @Get('nearby')
  @ApiOkResponse({ type: [NearbyDriverDto] })
  nearby(@Query() q: NearbyQueryDto): Promise<NearbyDriverDto[]> {
    return this.drivers.nearby(q.lat, q.lng, q.km);
  }
}
