/**
 * The worker threads that check receipts and record signatures while the main thread walks the chain: one per
 * core by default, each sent pages in turn, at most a few pages in flight each so memory stays bounded.
 */
import type { X509Certificate } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LedgerEntry } from '../model.ts';
import { keysToTransfer, type Failure, type KeyVerdict, type RegisteredCertificate } from './checks.ts';
import type { WorkerSetup } from './verify-worker.ts';

const IN_FLIGHT = 4;

interface Slot {
  worker: Worker;
  pending: number;
  idle: Array<() => void>;
}

export class SignatureWorkers {
  readonly #slots: Slot[];
  readonly #failures: Failure[] = [];
  #next = 0;
  #error: Error | null = null;

  constructor(setup: { keys: ReadonlyMap<string, KeyVerdict>; participants: Array<[string, RegisteredCertificate[]]>; ca: X509Certificate | null; receipts: boolean; signatures: boolean }, count = availableParallelism()) {
    const workerData: WorkerSetup = { keys: keysToTransfer(setup.keys), participants: setup.participants, caPem: setup.ca?.toString() ?? '', receipts: setup.receipts, signatures: setup.signatures };
    // A worker does not inherit tsx's loader: it registers it first, as bin/kouan.js does.
    const script = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./verify-worker.ts', import.meta.url).href)}); })`;
    this.#slots = Array.from({ length: Math.max(1, count) }, () => {
      const slot: Slot = { worker: new Worker(script, { eval: true, workerData }), pending: 0, idle: [] };
      slot.worker.on('message', (answer: { failures: Failure[] }) => {
        this.#failures.push(...answer.failures);
        slot.pending -= 1;
        slot.idle.splice(0).forEach((wake) => wake());
      });
      slot.worker.on('error', (error) => {
        this.#error = error;
        slot.pending = 0;
        slot.idle.splice(0).forEach((wake) => wake());
      });
      return slot;
    });
  }

  /** Hands a page to the next worker, waiting while it has too many in flight. */
  async send(page: LedgerEntry[]): Promise<void> {
    const slot = this.#slots[this.#next++ % this.#slots.length]!;
    while (slot.pending >= IN_FLIGHT && this.#error === null) await new Promise<void>((resolve) => slot.idle.push(resolve));
    if (this.#error) throw this.#error;
    slot.pending += 1;
    slot.worker.postMessage(page);
  }

  /** Waits for every page sent and returns the failures found. */
  async finish(): Promise<Failure[]> {
    for (const slot of this.#slots) while (slot.pending > 0 && this.#error === null) await new Promise<void>((resolve) => slot.idle.push(resolve));
    if (this.#error) throw this.#error;
    return this.#failures;
  }

  async close(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
