/** How ledger rows are shown over HTTP: records and JWKs as JSON objects, receipts and checkpoints with their signatures. */
import { checkpointDocument } from './ledger/chain.ts';
import { receiptResponse } from './ledger/ledger.ts';
import type { Checkpoint, LedgerEntry, LedgerKey } from './model.ts';

export const entryView = (entry: LedgerEntry) => ({ ...entry, record: JSON.parse(entry.record) as object, receipt: receiptResponse(entry) });
export const checkpointView = (c: Checkpoint) => ({ checkpoint: checkpointDocument(c), signature: c.signature });
export const keyView = (key: LedgerKey) => ({ ...key, jwk: JSON.parse(key.jwk) as object });
