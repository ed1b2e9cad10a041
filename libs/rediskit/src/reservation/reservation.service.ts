import { Inject, Injectable } from '@nestjs/common';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitArgumentError, RediskitError } from '../errors.js';
import { Keyspace, type KeyPart, type KeyScope } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import type { LuaScript } from '../scripts/lua-script.js';
import type { ScriptArg } from '../scripts/script-runner.js';
import { itemName, newHoldId, parseHoldId } from './hold-id.js';
import { ReservationMetrics, type ReservationOperation } from './reservation.metrics.js';
import { RESERVATION_DEFAULTS, resolveReservationSettings } from './reservation.settings.js';
import type { Hold, HoldOutcome, ReserveOptions, SetStockOptions, StockLevel } from './reservation.types.js';
import { reservationReserveScript } from './reservation-reserve.lua.js';
import { reservationSettleScript } from './reservation-settle.lua.js';
import { reservationStockScript } from './reservation-stock.lua.js';

/** The largest quantity accepted anywhere: a trillion units, far below 2^53 and Lua's exact integers. */
export const MAX_QUANTITY = 1_000_000_000_000;

const OUTCOMES: Record<string, HoldOutcome> = { c: 'confirmed', r: 'released', e: 'expired', u: 'unknown' };

/**
 * Stock that cannot be oversold, with holds that expire: inventory, seats, tickets. `reserve`
 * holds units if that many are available and returns a hold; `confirm` makes the sale final,
 * `release` gives the units back, and a hold neither confirmed nor released in time expires
 * and gives them back by itself. Each operation is one Lua script on one cluster node (an
 * item is one hash tag), so reservations from any number of instances never oversell.
 *
 * Expired holds are reclaimed lazily, inside the scripts: every call for an item first returns
 * the units of its holds past their expiry (by Redis' clock), so no background job is needed
 * and `available` never counts an expired hold.
 *
 * Failure policy: when Redis cannot answer within `reservation.commandTimeout`, calls reject
 * with a `RediskitError` (`RediskitTimeoutError`, `RediskitConnectionError`,
 * `RediskitCircuitOpenError`) and nothing is reserved: a call that reaches Redis after its
 * deadline changes nothing.
 *
 * @example
 * await reservations.setStock('concert:2026-05-01', 500);
 * const hold = await reservations.reserve('concert:2026-05-01', 2, { holdTtl: '10m' });
 * if (!hold) throw new ConflictException('sold out');
 * await payments.charge(order);                 // the hold keeps the seats meanwhile
 * await reservations.confirm(hold.id);          // 'confirmed'
 */
@Injectable()
export class ReservationService {
  private readonly connection: RedisConnection;
  private readonly keys: KeyScope;
  private readonly metrics: ReservationMetrics;
  private readonly budget: number;
  private readonly holdTtl: number;
  private readonly keepOutcomes: number;

  constructor(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions) {
    const settings = resolveReservationSettings(moduleOptions.reservation);
    this.connection = registry.get(settings.connection);
    this.keys = keyspace.scope('reservation');
    this.metrics = new ReservationMetrics(metrics);
    this.budget = settings.commandTimeout ?? this.connection.commandTimeout;
    this.holdTtl = settings.holdTtl;
    this.keepOutcomes = settings.keepOutcomes;
  }

  /**
   * Sets the units of `item` on hand, held units included (what a stock count or your
   * database says is there). With holds outstanding, `available` is `quantity` minus the
   * held units (never below zero). With `ifMissing`, only an item whose stock was never set
   * is written (seed from a database without overwriting live counts). Resolves true when
   * written.
   */
  setStock(item: KeyPart, quantity: number, options: SetStockOptions = {}): Promise<boolean> {
    return this.guard('stock', async () => {
      const name = itemName(item);
      checkQuantity(quantity, 0);
      const [written] = await this.stockCall(name, options.ifMissing ? '?' : '=', quantity);
      return written === 1;
    });
  }

  /**
   * Holds `quantity` units of `item` for `holdTtl` if that many are available; resolves with
   * the hold, or `null` when fewer are available (nothing is held then). Never goes below
   * zero, whatever number of instances reserve at once.
   */
  reserve(item: KeyPart, quantity: number, options: ReserveOptions = {}): Promise<Hold | null> {
    return this.guard('reserve', async () => {
      const name = itemName(item);
      checkQuantity(quantity, 1);
      const ttl = options.holdTtl === undefined ? this.holdTtl : toPositiveMs(options.holdTtl, 'holdTtl');
      const hold = newHoldId(name);
      const [ok, available, expiresAt, expired] = await this.run<[number, number, number, number]>(reservationReserveScript, name, [
        hold.token,
        quantity,
        ttl,
        this.keepOutcomes,
        RESERVATION_DEFAULTS.reclaimBatch,
      ]);
      this.metrics.holds.expired.inc(expired);
      if (ok !== 1) {
        this.metrics.holds.refused.inc();
        return null;
      }
      this.metrics.holds.reserved.inc();
      return { id: hold.id, item: name, quantity, expiresAt, available };
    });
  }

  /**
   * Makes a hold's sale final: its units leave stock for good. Idempotent: resolves
   * `'confirmed'` now and on every later call; a hold already released, or past its expiry,
   * is not confirmed (`'released'`, `'expired'`); `'unknown'` when no such hold is remembered.
   */
  confirm(holdId: string): Promise<HoldOutcome> {
    return this.settle('confirm', holdId);
  }

  /**
   * Gives a hold's units back. Idempotent: resolves `'released'` now and on every later call;
   * a hold already confirmed stays confirmed (`'confirmed'`); `'expired'` when it had expired
   * (its units came back then); `'unknown'` when no such hold is remembered.
   */
  release(holdId: string): Promise<HoldOutcome> {
    return this.settle('release', holdId);
  }

  /** Units of `item` that can be reserved now (0 for an item whose stock was never set). */
  async available(item: KeyPart): Promise<number> {
    return (await this.stock(item)).available;
  }

  /** The stock of `item`: units on hand (held included), held, available. */
  stock(item: KeyPart): Promise<StockLevel> {
    return this.guard('stock', async () => {
      const [, onHand, held, available] = await this.stockCall(itemName(item), '', 0);
      return { onHand, held, available };
    });
  }

  private settle(operation: 'confirm' | 'release', holdId: string): Promise<HoldOutcome> {
    return this.guard(operation, async () => {
      const { item, token } = parseHoldId(holdId);
      const [state, changed, expired] = await this.run<[string, number, number]>(reservationSettleScript, item, [
        token,
        operation === 'confirm' ? 'c' : 'r',
        this.keepOutcomes,
        RESERVATION_DEFAULTS.reclaimBatch,
      ]);
      this.metrics.holds.expired.inc(expired);
      const outcome = OUTCOMES[state] ?? 'unknown';
      if (changed === 1) this.metrics.holds[outcome === 'confirmed' ? 'confirmed' : 'released'].inc();
      return outcome;
    });
  }

  private async stockCall(item: string, mode: '' | '=' | '?', quantity: number): Promise<[number, number, number, number]> {
    const [written, onHand, held, available, expired] = await this.run<number[]>(reservationStockScript, item, [mode, quantity, this.keepOutcomes, RESERVATION_DEFAULTS.reclaimBatch]);
    this.metrics.holds.expired.inc(expired);
    return [written, onHand, held, available];
  }

  private run<T>(script: LuaScript, item: string, args: ScriptArg[]): Promise<T> {
    const keys = [this.keys.slotted(item, 'stock'), this.keys.slotted(item, 'holds'), this.keys.slotted(item, 'due')];
    return this.connection.script<T>(script, keys, args, this.budget);
  }

  // Argument errors are the caller's and are not counted as failures.
  private async guard<T>(operation: ReservationOperation, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RediskitError && error.code !== 'INVALID_ARGUMENT') this.metrics.failures[operation].inc();
      throw error;
    }
  }
}

function checkQuantity(quantity: unknown, min: 0 | 1): asserts quantity is number {
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < min || quantity > MAX_QUANTITY) {
    throw new RediskitArgumentError('quantity', `must be an integer from ${min} to ${MAX_QUANTITY}, got ${typeof quantity === 'number' ? quantity : typeof quantity}`);
  }
}
