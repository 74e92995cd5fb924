/**
 * Filing, usage and denial records: signed by this connector (detached JWS over RFC 8785 JSON) and put
 * into the durable outbox in the same step, so a record that was decided is never lost.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Outbox, OutboxRecord } from '../storage/ports.ts';
import type { LocalIdentity } from '../trust/identity.ts';
import { signDetached } from '../trust/jws.ts';

export type RecordKind = OutboxRecord['kind'];

export class RecordEmitter {
  readonly #self: LocalIdentity;
  readonly #outbox: Outbox;
  readonly #clock: Clock;
  readonly #log: Logger;
  #onEnqueued: () => void = () => undefined;
  /** Records being signed or stored (the signature is made on the thread pool): a stopping connector waits for them. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(self: LocalIdentity, outbox: Outbox, clock: Clock, log: Logger) {
    this.#self = self;
    this.#outbox = outbox;
    this.#clock = clock;
    this.#log = log;
  }

  /** Called after each enqueue (the delivery loop uses it to send promptly). */
  set onEnqueued(callback: () => void) {
    this.#onEnqueued = callback;
  }

  /** Resolves once every record emitted so far is in the outbox (or has failed to get there). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  emit(kind: RecordKind, body: Record<string, unknown>, id: string = `urn:uuid:${randomUUID()}`): Promise<OutboxRecord> {
    const emitted = this.#emit(kind, body, id);
    this.#pending.add(emitted);
    void emitted.finally(() => this.#pending.delete(emitted)).catch(() => undefined);
    return emitted;
  }

  async #emit(kind: RecordKind, body: Record<string, unknown>, id: string): Promise<OutboxRecord> {
    const createdAt = this.#clock.now().toISOString();
    const record = { id, kind, participant: this.#self.participantId, at: createdAt, ...body };
    const entry: OutboxRecord = { id, kind, record, signature: await signDetached(record, this.#self), createdAt };
    await this.#outbox.enqueue(entry);
    this.#log.debug({ record: id, kind }, 'record enqueued');
    this.#onEnqueued();
    return entry;
  }
}
