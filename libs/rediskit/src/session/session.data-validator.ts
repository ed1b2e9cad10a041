import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RediskitArgumentError } from '../errors.js';
import { describeErrors } from '../options/option-problems.js';

/**
 * Checks session data against a class-validator class. Properties the class does not declare
 * are refused too (`forbidNonWhitelisted`), so a session holds only what the app expects.
 *
 * @example
 * class UserSession { @IsString() role: string; @IsOptional() @IsInt() tenantId?: number }
 * RedisModule.forRoot({ connection, session: { dataClass: UserSession } })
 */
export function validateSessionData(dataClass: (new () => object) | undefined, data: unknown, argument = 'data'): void {
  if (!dataClass) return;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RediskitArgumentError(argument, `must be an object matching ${dataClass.name}`);
  }
  const errors = validateSync(plainToInstance(dataClass, data) as object, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new RediskitArgumentError(argument, `does not match ${dataClass.name}: ${describeErrors(errors, argument).join('; ')}`);
  }
}
