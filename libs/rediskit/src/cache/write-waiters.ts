/**
 * Callers waiting for a key to be written (the losers of the stampede lock, waiting for the
 * winner's value): woken by a write here or by a write another instance announces on the bus,
 * else by their timer.
 */
export class WriteWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when `full` is written (by anyone we hear of) or after `ms`. */
  next(full: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(full);
      if (!set) this.waiters.set(full, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        const s = this.waiters.get(full);
        s?.delete(wake);
        if (s?.size === 0) this.waiters.delete(full);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      set.add(wake);
    });
  }

  /** `full` was written: wake whoever waits for it. */
  wake(full: string): void {
    const set = this.waiters.get(full);
    if (set) for (const wake of [...set]) wake();
  }
}
