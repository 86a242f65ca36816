/**
 * Registry change notifications on PostgreSQL: every registry write runs
 * `pg_notify(REGISTRY_CHANNEL, current_schema())` in its transaction (delivered at commit), and
 * this listener keeps one dedicated connection in LISTEN on that channel, so every process on the
 * database learns of a change within milliseconds instead of at its next registry poll.
 *
 * The payload is the schema the change was made in: several stores on one database in different
 * schemas (tests, several deployments) only hear their own. When the listening connection fails it
 * is re-established after `retryMs`; after every (re)established LISTEN the listener is called once,
 * since changes made while nobody listened were not delivered. Polling stays the fallback.
 */
import pg from 'pg';

export const REGISTRY_CHANNEL = 'cds_registry_changed';

/** Runs inside a registry write transaction: the notification is sent when it commits. */
export const NOTIFY_REGISTRY_CHANGE = `SELECT pg_notify('${REGISTRY_CHANNEL}', coalesce(current_schema(), ''))`;

export interface RegistryListenerOptions {
  /** Connection settings (the pool's, with its timeouts). */
  client: pg.ClientConfig;
  onChange: () => void;
  onError: (error: Error) => void;
  /** Delay before re-establishing a failed listening connection (ms). */
  retryMs: number;
}

export class PostgresRegistryListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: RegistryListenerOptions) {}

  /** Starts listening (in the background; failures go to onError and are retried). */
  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.options.client);
    this.client = client;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      this.options.onError(error);
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = undefined;
      this.retryLater();
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('the connection listening for registry changes ended')));
    try {
      await client.connect();
      const schema = (await client.query('SELECT coalesce(current_schema(), \'\') AS schema')).rows[0] as { schema: string };
      client.on('notification', (message) => {
        if (message.channel === REGISTRY_CHANNEL && (message.payload ?? '') === schema.schema) this.options.onChange();
      });
      await client.query(`LISTEN ${REGISTRY_CHANNEL}`);
    } catch (error) {
      if (this.stopped) return;
      fail(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    // Whatever changed before LISTEN took effect was not delivered: look once.
    this.options.onChange();
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.options.retryMs);
    this.retryTimer.unref();
  }

  /** Stops listening and closes the connection (bounded by `timeoutMs`). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    client.removeAllListeners('end');
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([client.end().catch(() => undefined), timedOut]);
    clearTimeout(timer);
  }
}
