import { defineCapability } from '../capability.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyOptionsDto } from './idempotency.options.js';
import { IdempotencyService } from './idempotency.service.js';

/** Idempotent requests: `@Idempotent`, `IdempotencyInterceptor`, `IdempotencyService`. */
export const idempotencyCapability = defineCapability({
  section: 'idempotency',
  optionsDto: IdempotencyOptionsDto,
  providers: [IdempotencyService, IdempotencyInterceptor],
});
