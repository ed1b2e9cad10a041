import { defineCapability } from '../capability.js';
import { GeoOptionsDto } from './geo.options.js';
import { GeoService } from './geo.service.js';

/** Positions with a time to live: `GeoService`. */
export const geoCapability = defineCapability({
  section: 'geo',
  optionsDto: GeoOptionsDto,
  providers: [GeoService],
});
