import type { LoggerService } from '@nestjs/common';
import { currentRequestId } from 'nestjs-rediskit';

type Level = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/**
 * One JSON object per line (LOG_FORMAT=json), for a log shipper: time, level, context,
 * message and, inside a request, its `requestId` (the request's X-Request-Id, or the id
 * rediskit generated) — the same id rediskit's own lines end with, and the response echoes.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly levels: readonly Level[] = ['log', 'warn', 'error', 'fatal'],
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.print('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.print('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.print('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.print('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.print('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.print('fatal', message, params);
  }

  // Nest passes the logger's context last, and an error's stack before it.
  private print(level: Level, message: unknown, params: unknown[]): void {
    if (!this.levels.includes(level)) return;
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' || level === 'fatal' ? params.find((p) => typeof p === 'string') : undefined;
    const text = message instanceof Error ? message.message : message;
    this.write(JSON.stringify({ time: new Date().toISOString(), level, context, message: text, requestId: currentRequestId(), stack }));
  }
}
