/**
 * A worker thread of `kouan ledger verify` that walks the second half of the chain on its own connection while
 * the main thread walks the first: the chain needs no order to check (each entry against the stored hash before it),
 * only the span's start, which the main thread checks as the checkpoint it ends on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChainHead, Checkpoint } from '../model.ts';
import { openPostgresRegistryStores } from '../storage/postgres/index.ts';
import type { RegistryStores } from '../storage/ports.ts';
import { openSqliteRegistryStores } from '../storage/sqlite/index.ts';
import { keysFromTransfer, type Failure, type KeyTransfer } from './checks.ts';
import { Broken, CheckpointCursor, failuresOf, Walk, walkSpan, type WalkRules, type WalkState } from './verify-walk.ts';

/** Where the span worker reads: the database `kouan ledger verify` was given. */
export interface SpanSource {
  db: string;
  schema?: string;
}

export interface SpanSetup {
  source: SpanSource;
  keys: KeyTransfer;
  from: ChainHead;
  to: number;
  before: ChainHead;
  pageSize: number;
  rules: WalkRules;
  receipts: boolean;
}

export type SpanOutcome =
  | { ok: true; state: WalkState; verified: number; lastCheckpoint: Checkpoint | null }
  | { ok: false; failures: Failure[] }
  | { error: string };

export const openSource = (source: SpanSource): Promise<RegistryStores> | RegistryStores =>
  /^postgres(ql)?:\/\//.test(source.db)
    ? openPostgresRegistryStores(source.db, { readOnly: true, poolSize: 1, ...(source.schema ? { schema: source.schema } : {}) })
    : openSqliteRegistryStores(source.db, { readOnly: true });

async function run(setup: SpanSetup): Promise<SpanOutcome> {
  const stores = await openSource(setup.source);
  const keys = keysFromTransfer(setup.keys);
  const cursor = new CheckpointCursor(stores.ledger, setup.pageSize, setup.from.seq);
  const walk = new Walk(cursor, keys, setup.rules, { last: setup.from, uncovered: null });
  try {
    await walkSpan(stores.ledger, walk, setup.to, { pageSize: setup.pageSize, before: setup.before });
    return { ok: true, state: walk.state, verified: cursor.verified, lastCheckpoint: cursor.last };
  } catch (error) {
    if (!(error instanceof Broken)) throw error;
    return { ok: false, failures: await failuresOf(error, stores.ledger, keys, cursor.last?.seq ?? setup.from.seq, walk.last.seq, setup.pageSize, setup.receipts) };
  } finally {
    await stores.close();
  }
}

run(workerData as SpanSetup).then(
  (outcome) => parentPort!.postMessage(outcome),
  (error: Error) => parentPort!.postMessage({ error: error.message } satisfies SpanOutcome),
);
