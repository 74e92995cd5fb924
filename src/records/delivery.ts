/**
 * Delivers the outbox to the registry's intake, at least once: leased batches, a receipt stored for each
 * record the registry accepted, failures retried with backoff. The registry stores a record id once, so a
 * record sent twice (after a crash between sending and marking) is harmless.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Outbox, OutboxRecord } from '../storage/ports.ts';

/**
 * Sends records to the registry in one request; resolves with their receipts in order, rejects when they were not
 * accepted. A registry that refuses one record of the batch names it: the error's `index` (nothing was stored then).
 */
export type RecordSender = (records: OutboxRecord[]) => Promise<Array<Record<string, unknown>>>;

/** The position of the record a refusal names, if it names one. */
const refusedIndex = (error: unknown): number | null => {
  const index = (error as { index?: unknown }).index;
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : null;
};

export interface DeliveryOptions {
  batchSize: number;
  intervalMs: number;
  leaseMs: number;
  backoffMaxMs: number;
}

export class OutboxDelivery {
  readonly #outbox: Outbox;
  readonly #send: RecordSender;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: DeliveryOptions;
  readonly #holder = `delivery-${process.pid}-${randomUUID()}`;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #failures = 0;
  #wake = false;

  constructor(outbox: Outbox, send: RecordSender, clock: Clock, log: Logger, options: Partial<DeliveryOptions> = {}) {
    this.#outbox = outbox;
    this.#send = send;
    this.#clock = clock;
    this.#log = log;
    this.#options = { batchSize: 100, intervalMs: 200, leaseMs: 30_000, backoffMaxMs: 30_000, ...options };
  }

  start(): void {
    const delay = () => (this.#wake ? 0 : this.#failures === 0 ? this.#options.intervalMs : Math.min(this.#options.backoffMaxMs, this.#options.intervalMs * 2 ** this.#failures));
    const tick = () => {
      this.#timer = setTimeout(async () => {
        this.#wake = false;
        await this.runOnce();
        if (this.#timer) tick();
      }, delay());
    };
    tick();
  }

  nudge(): void {
    if (this.#failures === 0) this.#wake = true;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass; returns how many records were delivered. */
  async runOnce(): Promise<number> {
    if (this.#running) return this.#running;
    this.#running = this.#pass();
    try {
      return await this.#running;
    } finally {
      this.#running = null;
    }
  }

  async #pass(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const batch = await this.#outbox.leaseBatch(this.#options.batchSize, this.#holder, this.#options.leaseMs, this.#clock.now());
      if (batch.length === 0) break;
      // The whole batch in one request; when the registry refuses one record, those before it go on their own
      // and the pass stops at it, as if they had been sent one by one.
      let accepted = batch;
      let failure: { error: unknown; at: number } | null = null;
      try {
        await this.#accepted(batch);
      } catch (error) {
        const index = refusedIndex(error);
        failure = { error, at: index !== null && index < batch.length ? index : 0 };
        accepted = batch.slice(0, failure.at);
        if (accepted.length > 0) {
          try {
            await this.#accepted(accepted);
          } catch (retryError) {
            failure = { error: retryError, at: 0 };
            accepted = [];
          }
        }
      }
      delivered += accepted.length;
      if (failure === null) {
        this.#failures = 0;
        continue;
      }
      if (accepted.length > 0) this.#failures = 0;
      this.#failures += 1;
      const { error, at } = failure;
      await this.#outbox.markFailed(batch[at]!.id, (error as Error).message.slice(0, 500), this.#clock.now());
      // Keep order and spare the registry: stop this pass, release the rest and try again after a backoff.
      for (const rest of batch.slice(at + 1)) await this.#outbox.markFailed(rest.id, 'not attempted: registry unavailable', this.#clock.now());
      if (this.#failures === 1 || this.#failures % 20 === 0) this.#log.warn({ err: error, failures: this.#failures }, 'registry unreachable or refusing; records stay in the outbox');
      return delivered;
    }
    return delivered;
  }

  /** Delivery passes in a row that could not bring every waiting record to the registry (0: the last one did). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Sends records and stores their receipts; rejects (storing nothing) when they were not all accepted. */
  async #accepted(records: OutboxRecord[]): Promise<void> {
    const receipts = await this.#send(records);
    if (receipts.length !== records.length) throw new Error(`the registry answered ${receipts.length} receipts for ${records.length} records`);
    for (const [i, record] of records.entries()) await this.#outbox.markDelivered(record.id, receipts[i]!, this.#clock.now());
  }
}
