/**
 * The checks a record passes before it may enter the chain, cheapest first, each refusal with its own code:
 * the envelope agrees with the record, the record matches the schema of its kind, it names the connector that
 * sent it, and its signature verifies with the key of the certificate presented on this connection.
 */
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

export async function checkRecord(body: IntakeRequest, sender: string, senderKey: KeyObject): Promise<AppendRequest> {
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
  const canonical = canonicalJson(record);
  try {
    await verifyCanonicalOffThread(canonical, body.signature, senderKey);
  } catch (error) {
    throw new KouanError('REGISTRY_SIGNATURE_INVALID', `${(error as Error).message} (checked with the key of the certificate presented on this connection)`);
  }
  return { recordId: body.id, kind: body.kind, participant: sender, record: canonical, signature: body.signature };
}
