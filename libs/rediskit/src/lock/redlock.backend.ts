import { RediskitConnectionError } from '../errors.js';
import type { AcquireOutcome, ExtendOutcome, LockBackend } from './lock.backend.js';
import type { LockCommands } from './lock.commands.js';

/** Answers gathered when a vote was decided. */
interface Tally<T> {
  decided: 'yes' | 'no';
  yes: T[];
  no: T[];
  /** Servers that were down or answered with an error. */
  failed: number;
  /** Servers whose answer had not come when the vote was decided. */
  pending: number;
}

/**
 * Redlock: the lock is held when a majority (`floor(N/2)+1`) of N independent Redis servers
 * granted it before the lease, minus the clock-drift allowance, ran out. Each vote settles as
 * soon as its outcome is known, so one hung server does not slow the others down; a server
 * that is not connected is skipped at once.
 *
 * Fencing tokens: each server keeps its own counter, so acquisition takes a second round trip
 * that writes the highest counter of the granting servers back to a majority while we still
 * own the lock there. Two majorities always share a server, so the next holder's token is
 * higher than ours.
 */
export class RedlockBackend implements LockBackend {
  readonly mode = 'redlock';
  readonly quorum: number;

  constructor(private readonly servers: LockCommands[]) {
    this.quorum = Math.floor(servers.length / 2) + 1;
  }

  async tryAcquire(resource: string, token: string, ttlMs: number, deadline: number): Promise<AcquireOutcome> {
    const grants = await this.vote((s) => s.acquire(resource, token, ttlMs), (r) => r > 0, deadline);
    if (grants.decided === 'yes') {
      const fencingToken = Math.max(...grants.yes);
      const raised = await this.vote((s) => s.raiseFence(resource, token, fencingToken), (r) => r, deadline);
      if (raised.decided === 'yes') return { acquired: true, fencingToken };
    }
    // Undo the grants of a minority (the release is queued behind the grant on each connection).
    void this.release(resource, token).catch(() => undefined);
    // Refusals and slow answers are contention or load: worth a retry. Only servers that are
    // down or failing can make a majority impossible, and that is an error.
    if (grants.failed > this.servers.length - this.quorum) {
      throw new RediskitConnectionError(`Redlock: ${grants.failed} of ${this.servers.length} servers are down or failing; a quorum of ${this.quorum} is not reachable`);
    }
    const held = grants.no.map((r) => -r).filter((ms) => ms > 0);
    return { acquired: false, heldForMs: held.length ? Math.min(...held) : 0 };
  }

  async extend(resource: string, token: string, ttlMs: number, deadline: number): Promise<ExtendOutcome> {
    const tally = await this.vote((s) => s.extend(resource, token, ttlMs), (r) => r, deadline);
    return this.decide(tally, 'extended', 'lost') as ExtendOutcome;
  }

  async release(resource: string, token: string): Promise<boolean> {
    return this.decide(await this.vote((s) => s.release(resource, token), (r) => r), true, false);
  }

  async isLocked(resource: string): Promise<boolean> {
    return this.decide(await this.vote((s) => s.isLocked(resource), (r) => r), true, false);
  }

  async forceRelease(resource: string): Promise<boolean> {
    const results = await Promise.allSettled(this.servers.map((s) => (s.connection.isReady ? s.forceRelease(resource) : Promise.reject(new Error('not connected')))));
    if (results.every((r) => r.status === 'rejected')) throw new RediskitConnectionError('Redlock: no server answered forceRelease');
    return results.some((r) => r.status === 'fulfilled' && r.value);
  }

  // A majority said yes; or enough said no that a majority never can. Failures alone leave
  // the answer unknown, which is an error, not a "no".
  private decide<T>(tally: Tally<unknown>, yes: T, no: T): T {
    if (tally.decided === 'yes') return yes;
    if (tally.no.length > this.servers.length - this.quorum) return no;
    throw new RediskitConnectionError(
      `Redlock: ${tally.yes.length} yes, ${tally.no.length} no, ${tally.failed} failed and ${tally.pending} unanswered of ${this.servers.length} servers; a quorum of ${this.quorum} is not reachable`,
    );
  }

  /** Sends `call` to every server and settles once the majority's answer is known (or at `deadline`). */
  private vote<T>(call: (server: LockCommands) => Promise<T>, isYes: (reply: T) => boolean, deadline?: number): Promise<Tally<T>> {
    const total = this.servers.length;
    const tally: Tally<T> = { decided: 'no', yes: [], no: [], failed: 0, pending: 0 };
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const settle = (decided: 'yes' | 'no') => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ decided, yes: [...tally.yes], no: [...tally.no], failed: tally.failed, pending: total - tally.yes.length - tally.no.length - tally.failed });
      };
      const check = () => {
        if (tally.yes.length >= this.quorum) settle('yes');
        else if (tally.no.length + tally.failed > total - this.quorum) settle('no');
      };
      if (deadline !== undefined) timer = setTimeout(() => settle('no'), Math.max(0, deadline - performance.now()));
      for (const server of this.servers) {
        if (!server.connection.isReady) {
          tally.failed++;
          continue;
        }
        call(server).then(
          (reply) => {
            (isYes(reply) ? tally.yes : tally.no).push(reply);
            check();
          },
          () => {
            tally.failed++;
            check();
          },
        );
      }
      check();
    });
  }
}
