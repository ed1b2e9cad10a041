/** A `pg` Client (node-postgres), as far as listening needs it. */
export interface PgListenClient {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  end(): Promise<void>;
}

/** A PGlite instance, as far as listening needs it. */
export interface PgliteListenClient {
  query(sql: string): Promise<unknown>;
  exec?(sql: string): Promise<unknown>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** What `databaseInvalidation.connect` returns: a connected `pg` Client, or PGlite. */
export type ChangeSourceClient = PgListenClient | PgliteListenClient;

/** One open LISTEN: `ended` resolves (with why) when the connection is gone. */
export interface ChangeFeed {
  readonly client: ChangeSourceClient;
  readonly ended: Promise<Error>;
  close(): Promise<void>;
}

function isPglite(client: ChangeSourceClient): client is PgliteListenClient {
  return typeof (client as PgliteListenClient).listen === 'function';
}

/** Rejects after `ms` unless `work` settles first. */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * LISTENs on `channel` with `client`. A `pg` client belongs to the feed (it is ended on
 * close); a PGlite instance is the application's (only the listener is removed). A connection
 * that drops is seen by its `error`/`end` events, and one that hangs (half-open TCP, stopped
 * server) by a `SELECT 1` every `heartbeat` that must answer within it.
 */
export async function openChangeFeed(client: ChangeSourceClient, channel: string, onPayload: (payload: unknown) => void, heartbeat: number): Promise<ChangeFeed> {
  let end!: (why: Error) => void;
  const ended = new Promise<Error>((resolve) => (end = resolve));
  let stop: () => Promise<void>;
  if (isPglite(client)) {
    const unlisten = await within(client.listen(channel, onPayload), heartbeat, 'LISTEN');
    stop = () => unlisten().catch(() => undefined);
  } else {
    client.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload);
    });
    client.on('error', (error) => end(error));
    client.on('end', () => end(new Error('the database connection ended')));
    stop = () => client.end().catch(() => undefined);
    try {
      await within(client.query(`LISTEN ${channel}`), heartbeat, 'LISTEN');
    } catch (error) {
      await stop();
      throw error;
    }
  }
  let closed = false;
  const timer = setInterval(() => {
    within(client.query('SELECT 1'), heartbeat, 'the heartbeat query').catch((error: Error) => end(error));
  }, heartbeat);
  timer.unref();
  void ended.then(() => clearInterval(timer));
  return {
    client,
    ended,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      end(new Error('closed'));
      await stop();
    },
  };
}
