/** Participants and chained entries for the registry's contract suites. */
import { canonicalJson } from '../../../../src/trust/jws.ts';
import { entryHash } from '../../../../src/registry/ledger/chain.ts';
import type { ChainHead, Checkpoint, LedgerEntry, LedgerKey, Participant } from '../../../../src/registry/model.ts';
import type { AppendPlan, Planner } from '../../../../src/registry/storage/ports.ts';

export const T0 = '2026-11-27T08:00:00.000Z';

export function participant(id: string, over: Partial<Participant> = {}): Participant {
  return {
    id,
    legalName: `${id} 有限公司`,
    country: 'CN',
    ciio: false,
    ftz: null,
    creditGrade: null,
    certThumbprint: 'x'.repeat(43),
    certificatePem: null,
    status: 'active',
    suspension: null,
    registeredAt: T0,
    updatedAt: T0,
    ...over,
  };
}

/** The canonical text of a small record; the text survives storage byte for byte. */
export const recordText = (id: string): string => canonicalJson({ id, kind: 'denial', participant: 'bj-hospital', at: T0, note: 'ünïcödé "quoted" \\ back', n: 1.5 });

/** Entries for the record ids, linked onto `head` with the chain's own hash. */
export function chain(head: ChainHead, recordIds: readonly string[]): LedgerEntry[] {
  let { seq, hash } = head;
  return recordIds.map((recordId) => {
    seq += 1;
    const link = { seq, recordId, kind: 'denial' as const, participant: 'bj-hospital', record: recordText(recordId), signature: `sig-of-${recordId}`, receivedAt: T0 };
    hash = entryHash(hash, link);
    return { ...link, hash, receipt: `receipt-of-${recordId}` };
  });
}

/** A planner appending the records linked onto whatever head it is given; the result is the head it saw and what existed. */
export function planning(recordIds: readonly string[], checkpointAt: (seq: number) => boolean = () => false): Planner<{ head: ChainHead; existing: string[] }> {
  return (head, existing): AppendPlan<{ head: ChainHead; existing: string[] }> => {
    const entries = chain(head, recordIds);
    const checkpoints: Checkpoint[] = entries.filter((e) => checkpointAt(e.seq)).map((e) => ({ seq: e.seq, hash: e.hash, at: T0, signature: `checkpoint-${e.seq}` }));
    return { entries, checkpoints, result: { head, existing: [...existing.keys()].sort() } };
  };
}

export const key = (kid: string, over: Partial<LedgerKey> = {}): LedgerKey => ({ kid, jwk: '{"kty":"EC"}', certificatePem: 'PEM', binding: `binding-${kid}`, createdAt: T0, ...over });
