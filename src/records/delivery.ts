/**
 * Delivers the outbox to the registry's intake, at least once: leased batches, a receipt stored for each
 * record the registry accepted, failures retried with backoff. The registry stores a record id once, so a
 * record sent twice (after a crash between sending and marking) is harmless.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Outbox, OutboxRecord } from '../storage/ports.ts';

/** Sends one record to the registry; resolves with the registry's receipt, rejects when it was not accepted. */
export type RecordSender = (record: OutboxRecord) => Promise<Record<string, unknown>>;

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
      for (const record of batch) {
        try {
          const receipt = await this.#send(record);
          await this.#outbox.markDelivered(record.id, receipt, this.#clock.now());
          delivered += 1;
          this.#failures = 0;
        } catch (error) {
          this.#failures += 1;
          await this.#outbox.markFailed(record.id, (error as Error).message.slice(0, 500), this.#clock.now());
          // Keep order and spare the registry: stop this pass, release the rest and try again after a backoff.
          for (const rest of batch.slice(batch.indexOf(record) + 1)) await this.#outbox.markFailed(rest.id, 'not attempted: registry unavailable', this.#clock.now());
          if (this.#failures === 1 || this.#failures % 20 === 0) this.#log.warn({ err: error, failures: this.#failures }, 'registry unreachable; records stay in the outbox');
          return delivered;
        }
      }
    }
    return delivered;
  }
}
