/** Realistic aggregates for the contract suites; every builder takes overrides. */
import { createHmac } from 'node:crypto';
import type { Approval, Asset, ContractAgreement, ContractNegotiation, Offer, TransferProcess } from '../../../src/control-plane/model.ts';
import type { OutboxRecord } from '../../../src/storage/ports.ts';

export const T0 = '2026-11-27T08:00:00.000Z';

/** An ISO timestamp `seconds` after T0. */
export const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

export function asset(id: string, over: Partial<Asset> = {}): Asset {
  return {
    id,
    title: `Shipment manifests ${id}`,
    description: 'Container manifests of the Ningbo terminal, one record per container.',
    classification: {
      grade: 'general',
      domain: 'logistics',
      categories: ['shipping'],
      pi: { subjects: 1200, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['consignee_name'], subjectIdField: 'consignee_id' },
      hgr: { present: false, sequencingSubjects: 0 },
      exportControlled: false,
      scenario: null,
    },
    backend: { url: 'http://127.0.0.1:9/manifests', format: 'ndjson', headers: { 'x-tenant': '中文-ok' } },
    createdAt: T0,
    ...over,
  };
}

export function offer(id: string, assetId: string, over: Partial<Offer> = {}): Offer {
  return {
    id,
    assetId,
    policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'customs-clearance' }] }] },
    createdAt: T0,
    ...over,
  };
}

const counterparty = { participantId: 'hamburg-forwarder', address: 'https://127.0.0.1:8443/dsp/2025-1', country: 'DE' };

/** What negotiations and transfers share: one side's view of a protocol process, freshly REQUESTED. */
function processOf(id: string) {
  return {
    id,
    role: 'provider' as const,
    consumerPid: `urn:uuid:consumer-${id}`,
    providerPid: `urn:uuid:provider-${id}` as string | null,
    counterparty,
    state: 'REQUESTED' as const,
    stateCount: 1,
    stateTimestamp: T0,
    reasons: [],
    createdAt: T0,
    updatedAt: T0,
  };
}

export function negotiation(id: string, over: Partial<ContractNegotiation> = {}): ContractNegotiation {
  return {
    ...processOf(id),
    offer: offer(`offer-of-${id}`, 'asset-1'),
    terms: { purpose: 'customs-clearance', acceptedObligations: ['delete-after-use'] },
    agreementId: null,
    callbackAddress: 'https://127.0.0.1:8443/callback',
    ...over,
  };
}

export function transfer(id: string, over: Partial<TransferProcess> = {}): TransferProcess {
  return { ...processOf(id), agreementId: 'agreement-1', format: 'HttpData-PULL', dataAddress: null, callbackAddress: null, ...over };
}

export function agreement(id: string, over: Partial<ContractAgreement> = {}): ContractAgreement {
  return {
    id,
    negotiationId: `negotiation-of-${id}`,
    providerId: 'ningbo-terminal',
    consumerId: 'hamburg-forwarder',
    consumerCountry: 'DE',
    assetId: 'asset-1',
    policy: { permissions: [{ action: 'use' }] },
    exportPath: 'standard_contract_or_certification',
    start: T0,
    end: '2027-11-27T08:00:00.000Z',
    signedAt: T0,
    document: {
      '@type': 'Agreement',
      '@id': `urn:uuid:${id}`,
      target: 'urn:kouan:asset:asset-1',
      assigner: 'ningbo-terminal',
      assignee: 'hamburg-forwarder',
      permission: [{ action: 'use', constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 1000.5 }] }],
      note: '宁波舟山港 → Hamburg',
    },
    signatures: { provider: 'eyJhbGciOiJFUzI1NiJ9..sig', consumer: null },
    terms: { purpose: 'customs-clearance', acceptedObligations: [] },
    state: 'ACTIVE',
    ...over,
  };
}

export function approval(id: string, over: Partial<Approval> = {}): Approval {
  return { id, kind: 'standard_contract', entry: { ref: `SCC-2026-${id}`, filed_at: T0, province: 'Zhejiang' }, createdAt: T0, ...over };
}

/** Keyed hashes of the data subjects numbered `from` up to (not including) `to`, as the data plane stores them. */
export function subjectHashes(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => createHmac('sha256', 'test subject key').update(`consignee-${from + i}`).digest('hex'));
}

export function outboxRecord(id: string, over: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    id,
    kind: 'usage',
    record: { id, agreementId: 'ag-1', requests: 3, records: 1000.5, subjects: { new: 12, sensitive: 0 }, note: 'Zhejiang 浙江', at: T0 },
    signature: 'eyJhbGciOiJFUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    createdAt: T0,
    ...over,
  };
}
