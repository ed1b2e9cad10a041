import { defineCapability } from '../capability.js';
import { InvalidationOptionsDto } from './invalidation.options.js';
import { InvalidationService } from './invalidation.service.js';

/** Event-driven invalidation rules, applied on every instance: `InvalidationService`. */
export const invalidationCapability = defineCapability({
  section: 'invalidation',
  optionsDto: InvalidationOptionsDto,
  providers: [InvalidationService],
});
