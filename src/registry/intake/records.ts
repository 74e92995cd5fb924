/**
 * The checks a record passes before it may enter the chain, cheapest first, each refusal with its own code:
 * the envelope agrees with the record, the record matches the schema of its kind, it names the connector that
 * sent it, its own time lies within the bounds around the registry's clock, a filing record is its exporter's, and
 * its signature verifies with the key of the certificate presented on this connection.
 */
import { recordIdPrefix } from '../../records/ids.ts';
import type { KeyObject } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { KouanError } from '../../core/errors.ts';
import { DenialRecord, FilingRecord, type IntakeBatchBody, type IntakeBody, UsageRecord } from '../../records/schemas.ts';
import { canonicalJson, verifyCanonicalOffThread } from '../../trust/jws.ts';
import type { AppendRequest } from '../ledger/ledger.ts';

export type IntakeRequest = Static<typeof IntakeBody>;
export type IntakeBatchRequest = Static<typeof IntakeBatchBody>;

// Validation only: nothing coerced, defaulted or removed, since the signature covers the record as sent.
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
addFormats.default(ajv);
const validators: Record<IntakeRequest['kind'], ValidateFunction> = {
  filing: ajv.compile(FilingRecord),
  usage: ajv.compile(UsageRecord),
  denial: ajv.compile(DenialRecord),
};

const MAX_PROBLEMS = 10;

/** How far a record's own time (`at`) may stand from the registry's clock when it arrives (docs/registry/ledger.md). */
export interface RecordTimeBounds {
  /** Seconds a record may be dated ahead of the registry's clock: the clock skew tolerated between connector and registry. */
  futureSkewSeconds: number;
  /** Days a record may be dated before the registry's clock: how late a connector's outbox may still deliver. */
  maxAgeDays: number;
}

export const DEFAULT_RECORD_TIME_BOUNDS: RecordTimeBounds = { futureSkewSeconds: 300, maxAgeDays: 730 };

const DAY_MS = 86_400_000;

/** Refuses a record dated beyond the skew ahead of `now`, or more than the maximum age before it. */
export function checkRecordTime(at: string, now: Date, bounds: RecordTimeBounds): void {
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new KouanError('REGISTRY_RECORD_INVALID', `the record's time ${JSON.stringify(at)} is not an instant`, { problems: ['/at is not an instant'] });
  const latest = now.getTime() + bounds.futureSkewSeconds * 1000;
  if (t > latest) {
    throw new KouanError('REGISTRY_RECORD_TIME_IN_FUTURE', `the record is dated ${at}, later than the registry's clock (${now.toISOString()}) plus ${bounds.futureSkewSeconds} s of skew`, { at, latest: new Date(latest).toISOString() });
  }
  const earliest = now.getTime() - bounds.maxAgeDays * DAY_MS;
  if (t < earliest) {
    throw new KouanError('REGISTRY_RECORD_TOO_OLD', `the record is dated ${at}, more than ${bounds.maxAgeDays} days before the registry's clock (${now.toISOString()})`, { at, earliest: new Date(earliest).toISOString() });
  }
}

/** What a record is checked against besides itself: the connection it came on and the registry's clock. */
export interface IntakeContext {
  /** The participant of the certificate presented on this connection. */
  sender: string;
  senderKey: KeyObject;
  now: Date;
  time: RecordTimeBounds;
}

/** The namespace of the record ids a participant derives from facts it shares with others (src/records/ids.ts). */
const UUID_ID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const isOwnRecordId = (id: string, sender: string): boolean => UUID_ID.test(id) || (id.startsWith(recordIdPrefix(sender)) && id.length > recordIdPrefix(sender).length);

export async function checkRecord(body: IntakeRequest, { sender, senderKey, now, time }: IntakeContext): Promise<AppendRequest> {
  const record = body.record as Record<string, unknown>;
  if (record.id !== body.id || record.kind !== body.kind) {
    throw new KouanError('REGISTRY_ENVELOPE_MISMATCH', `the body says ${body.kind} ${JSON.stringify(body.id)}, the record is ${JSON.stringify(record.kind)} ${JSON.stringify(record.id)}`);
  }
  const validate = validators[body.kind];
  if (!validate(record)) {
    const problems = (validate.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    throw new KouanError('REGISTRY_RECORD_INVALID', `the ${body.kind} record does not match its schema: ${problems.join('; ')}`, { problems });
  }
  if (record.participant !== sender) throw new KouanError('REGISTRY_NOT_YOUR_RECORD', `the record names participant ${JSON.stringify(record.participant)}; this connection is ${sender}`);
  // A record id is random or in the sender's own namespace: an id derived from shared facts (an agreement's id)
  // must not be one another participant can take first, which would make the owner's record a conflict forever.
  if (!isOwnRecordId(body.id, sender)) {
    throw new KouanError('REGISTRY_RECORD_ID_NOT_YOURS', `a record id is urn:uuid:<random UUID> or starts with ${recordIdPrefix(sender)}; this one is ${JSON.stringify(body.id.slice(0, 120))}`);
  }
  checkRecordTime(record.at as string, now, time);
  // An agreement's filing is its exporter's duty and its exporter's word alone: a consumer's filing record could
  // otherwise stand beside (or in a view, in place of) the provider's.
  if (record.kind === 'filing' && record.provider !== sender) {
    throw new KouanError('REGISTRY_FILING_NOT_EXPORTER', `a filing record is sent by the agreement's exporter; this one names provider ${JSON.stringify(record.provider)} and this connection is ${sender}`);
  }
  const canonical = canonicalJson(record);
  try {
    await verifyCanonicalOffThread(canonical, body.signature, senderKey);
  } catch (error) {
    throw new KouanError('REGISTRY_SIGNATURE_INVALID', `${(error as Error).message} (checked with the key of the certificate presented on this connection)`);
  }
  return { recordId: body.id, kind: body.kind, participant: sender, record: canonical, signature: body.signature };
}
