/**
 * Runs a state → processor table over persisted entities (EDC's state-machine managers): lease the entities
 * waiting in a state that has a processor, run it, and let the processor's own save release the lease.
 * A processor that fails is retried with exponential backoff; after the last attempt the entity is handed
 * to `onGiveUp`. Leases expire, so a process killed mid-way is picked up again after a restart.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { ConflictError } from '../core/errors.ts';
import type { StatefulStore } from '../storage/ports.ts';
import type { Role } from './model.ts';
import { nextVersion } from './states.ts';

export interface ManagedEntity<S extends string> {
  id: string;
  role: Role;
  state: S;
  stateCount: number;
  stateTimestamp: string;
  updatedAt: string;
  /** Not processed before this time (a scripted pause). */
  notBefore?: string;
}

/** Does the work of one state; saves the entity (passing `holder` to release the lease). */
export type Processor<T> = (entity: T, holder: string) => Promise<void>;

export interface ManagerOptions {
  batchSize: number;
  intervalMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const defaultManagerOptions: ManagerOptions = { batchSize: 20, intervalMs: 200, leaseMs: 10_000, maxAttempts: 8, backoffBaseMs: 500, backoffMaxMs: 60_000 };

export class StateMachineManager<S extends string, T extends ManagedEntity<S>> {
  readonly #name: string;
  readonly #store: StatefulStore<T, S>;
  readonly #processors: Partial<Record<Role, Partial<Record<S, Processor<T>>>>>;
  readonly #onGiveUp: (entity: T, error: Error) => Promise<void>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: ManagerOptions;
  readonly #holder = `${process.pid}-${randomUUID()}`;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #wake = false;

  constructor(args: {
    name: string;
    store: StatefulStore<T, S>;
    processors: Partial<Record<Role, Partial<Record<S, Processor<T>>>>>;
    onGiveUp: (entity: T, error: Error) => Promise<void>;
    clock: Clock;
    log: Logger;
    options?: Partial<ManagerOptions>;
  }) {
    this.#name = args.name;
    this.#store = args.store;
    this.#processors = args.processors;
    this.#onGiveUp = args.onGiveUp;
    this.#clock = args.clock;
    this.#log = args.log;
    this.#options = { ...defaultManagerOptions, ...args.options };
  }

  get states(): S[] {
    return [...new Set(Object.values(this.#processors).flatMap((table) => Object.keys(table ?? {}) as S[]))];
  }

  start(): void {
    const tick = () => {
      this.#timer = setTimeout(async () => {
        await this.runOnce();
        if (this.#timer) tick();
      }, this.#wake ? 0 : this.#options.intervalMs);
      this.#wake = false;
    };
    tick();
  }

  /** Asks for a pass soon (after an incoming message changed something). */
  nudge(): void {
    this.#wake = true;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass: lease what waits, process what is due. Returns how many entities were processed. */
  async runOnce(): Promise<number> {
    if (this.#running) return 0;
    let count = 0;
    this.#running = (async () => {
      const now = this.#clock.now();
      const batch = await this.#store.leaseNext(this.states, this.#options.batchSize, this.#holder, this.#options.leaseMs, now);
      for (const entity of batch) {
        const processor = this.#processors[entity.role]?.[entity.state];
        if (!processor) {
          await this.#release(entity);
          continue;
        }
        const due = Math.max(Date.parse(entity.stateTimestamp) + (entity.stateCount === 0 ? 0 : this.#backoff(entity.stateCount)), entity.notBefore ? Date.parse(entity.notBefore) : 0);
        if (due > now.getTime()) {
          await this.#release(entity);
          continue;
        }
        count += 1;
        await this.#process(entity, processor);
      }
    })();
    try {
      await this.#running;
    } finally {
      this.#running = null;
    }
    return count;
  }

  async #process(entity: T, processor: Processor<T>): Promise<void> {
    try {
      await processor(entity, this.#holder);
    } catch (error) {
      if (error instanceof ConflictError) {
        await this.#release(entity); // the entity moved on: an incoming message changed it meanwhile
        return;
      }
      const attempts = entity.stateCount + 1;
      this.#log.warn({ [this.#name]: entity.id, state: entity.state, attempts, err: error }, `${this.#name} step failed`);
      if (attempts >= this.#options.maxAttempts) {
        await this.#onGiveUp(entity, error as Error);
        return;
      }
      const now = this.#clock.now().toISOString();
      await this.#store.save({ ...entity, stateCount: attempts, stateTimestamp: now, updatedAt: nextVersion(entity.updatedAt, this.#clock) }, entity.updatedAt, this.#holder).catch(() => this.#release(entity));
    }
  }

  #backoff(stateCount: number): number {
    return Math.min(this.#options.backoffMaxMs, this.#options.backoffBaseMs * 2 ** (stateCount - 1));
  }

  async #release(entity: T): Promise<void> {
    await this.#store.release(entity.id, this.#holder);
  }

  get holder(): string {
    return this.#holder;
  }
}
