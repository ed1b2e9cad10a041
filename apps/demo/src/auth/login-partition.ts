import type { ExecutionContext } from '@nestjs/common';
import { clientIp } from 'nestjs-rediskit';

/**
 * Login attempts are counted per client address and account, so a guesser is stopped without
 * letting anyone lock a user out from elsewhere. Runs before validation: the body may be anything.
 */
export function loginPartition(context: ExecutionContext): string {
  const request = context.switchToHttp().getRequest<{ ip?: string; body?: { email?: unknown } }>();
  const email = typeof request.body?.email === 'string' ? request.body.email.trim().toLowerCase().slice(0, 200) : '';
  return `${clientIp(request) ?? 'unknown'}|${email}`;
}
