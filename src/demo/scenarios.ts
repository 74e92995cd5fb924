/** The five scenarios of the demo, each run through the participants' own APIs as their systems would. */
import { Writable } from 'node:stream';
import { systemClock } from '../core/clock.ts';
import type { ContractNegotiation, TransferProcess } from '../control-plane/model.ts';
import { edrOf, pull } from '../data-plane/pull.ts';
import { PeerClient } from '../trust/client.ts';
import { TokenIssuer } from '../trust/tokens.ts';
import { TrustStore } from '../trust/trust-store.ts';
import type { DatasetBackend } from './datasets.ts';
import { PARTICIPANTS, type Role, type World } from './world.ts';

export type Outcome = 'passed' | 'failed';
export interface ScenarioResult {
  name: string;
  outcome: Outcome;
  detail: string;
}

type Say = (line: string) => void;
const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = systemClock.now().getTime() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || systemClock.now().getTime() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const clinical = (id: string, subjects: number, sensitive: boolean, url: string, categories = ['clinical_trial']) => ({
  id,
  title: `Clinical trial ${id}`,
  classification: {
    grade: 'general', domain: 'pharmaceutical', categories,
    pi: { subjects, sensitiveSubjects: sensitive ? subjects : 0, sensitiveKinds: sensitive ? ['medical_health'] : [], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  },
  backend: { url, format: 'ndjson' },
});
const researchOffer = (assetId: string) => ({
  id: `offer-${assetId}`, assetId,
  policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }], duties: [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }] }] },
});

export class Scenarios {
  readonly #world: World;
  readonly #backend: DatasetBackend;
  readonly #say: Say;

  constructor(world: World, backend: DatasetBackend, say: Say) {
    this.#world = world;
    this.#backend = backend;
    this.#say = say;
  }

  async #publish(role: Role & keyof World['connectors'], asset: Record<string, unknown>, offer: Record<string, unknown>): Promise<void> {
    const api = this.#world.connectors[role].api;
    for (const [path, body] of [['/assets', asset], ['/offers', offer]] as const) {
      const r = await api('POST', path, body);
      check(r.status === 201, `publishing ${path} failed: ${JSON.stringify(r.body)}`);
    }
  }

  async #negotiate(consumer: 'pharma' | 'lab', provider: 'hospital' | 'vendor', datasetId: string, purpose: string, accepted: string[]): Promise<ContractNegotiation> {
    const c = this.#world.connectors[consumer];
    const started = await c.api<ContractNegotiation>('POST', '/negotiations', { providerId: PARTICIPANTS[provider].id, address: this.#world.connectors[provider].dspUrl, datasetId, offerId: `offer-${datasetId}`, purpose, acceptedObligations: accepted });
    check(started.status === 201, `negotiation not started: ${JSON.stringify(started.body)}`);
    return until(async () => (await c.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
  }

  async #transferAndPull(consumer: 'pharma' | 'lab', providerId: string, agreementId: string): Promise<{ transfer: TransferProcess; text: string }> {
    const c = this.#world.connectors[consumer];
    const t = await c.api<TransferProcess>('POST', '/transfers', { agreementId });
    check(t.status === 201, `transfer not started: ${JSON.stringify(t.body)}`);
    const transfer = await until(async () => (await c.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED' || x.state === 'TERMINATED');
    check(transfer.state === 'STARTED', `transfer ${transfer.state}: ${JSON.stringify(transfer.reasons)}`);
    const trust = await TrustStore.load(this.#world.connectorTls(consumer));
    const peers = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock));
    let text = '';
    try {
      await pull(peers, providerId, edrOf(transfer.dataAddress), new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) }));
    } finally {
      await peers.close();
      trust.close();
    }
    return { transfer, text };
  }

  /** a. De-identified trial data under the exempt threshold → agreement → pull with names dropped and ids pseudonymised. */
  async deidentifiedTrial(): Promise<string> {
    await this.#publish('hospital', clinical('trial-deidentified', 800, false, this.#backend.url('/trial-deidentified.ndjson')), researchOffer('trial-deidentified'));
    await this.#world.connectors.hospital.api('POST', '/approvals', { id: 'pipia-pharma', kind: 'pipia', entry: { ref: 'PIPIA-BJH-2026-031', recipient: 'pharma-de', date: isoDay(systemClock.now().getTime() - 30 * DAY) } });
    const n = await this.#negotiate('pharma', 'hospital', 'trial-deidentified', 'clinical-research', ['drop_fields', 'pseudonymise_fields']);
    check(n.state === 'FINALIZED', `negotiation ${n.state}: ${n.reasons.map((r) => r.code).join(', ')}`);
    this.#say(`   agreement ${n.agreementId} (export path: exempt, Provisions art. 5(4))`);
    const { text } = await this.#transferAndPull('pharma', 'bj-hospital', n.agreementId!);
    const rows = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    check(rows.length === 1600, `expected 1600 records, got ${rows.length}`);
    check(rows.every((r) => !('patient_name' in r) && String(r.patient_id).startsWith('ps_')), 'names or raw ids leaked');
    return `${rows.length} records pulled; first: ${JSON.stringify(rows[0])}`;
  }

  /** b. 20,000 patients' sensitive clinical data → refused (security assessment); the assessment is recorded → allowed. */
  async sensitiveNeedsAssessment(): Promise<string> {
    await this.#publish('hospital', clinical('trial-full', 20_000, true, this.#backend.url('/trial-full.ndjson')), researchOffer('trial-full'));
    await this.#world.connectors.hospital.api('DELETE', '/approvals/sa-pharma'); // a second start shows the refusal again
    const refused = await this.#negotiate('pharma', 'hospital', 'trial-full', 'clinical-research', ['drop_fields', 'pseudonymise_fields']);
    const codes = refused.reasons.map((r) => r.code);
    check(refused.state === 'TERMINATED' && codes.includes('EXPORT_ASSESSMENT_MISSING'), `expected a refusal for a missing security assessment, got ${refused.state} ${codes.join(', ')}`);
    this.#say(`   refused: ${codes.join(', ')}`);
    const issued = isoDay(systemClock.now().getTime() - 60 * DAY);
    const r = await this.#world.connectors.hospital.api('POST', '/approvals', { id: 'sa-pharma', kind: 'security_assessment', entry: { ref: 'CAC-SA-2026-0117', issued, recipients: ['pharma-de'], countries: ['DE'], purposes: ['clinical-research'], categories: ['clinical_trial'] } });
    check(r.status === 201, `approval not recorded: ${JSON.stringify(r.body)}`);
    this.#say('   security assessment CAC-SA-2026-0117 recorded; asking again');
    const allowed = await this.#negotiate('pharma', 'hospital', 'trial-full', 'clinical-research', ['drop_fields', 'pseudonymise_fields']);
    check(allowed.state === 'FINALIZED', `expected an agreement, got ${allowed.state} ${allowed.reasons.map((x) => x.code).join(', ')}`);
    return `refused with ${codes.join(', ')}, then agreed (${allowed.agreementId})`;
  }

  /** c. Annotation images and labels from the FTZ vendor, on no negative-list entry → exempt; bytes and digest in the ledger. */
  async ftzAnnotations(): Promise<string> {
    await this.#publish('vendor', {
      id: 'street-annotations', title: 'Street-scene annotations (images and labels)',
      classification: { grade: 'general', domain: 'ai_training', categories: ['image_annotation'], pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null }, hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null },
      backend: { url: this.#backend.url('/annotations.json'), format: 'json' },
    }, { id: 'offer-street-annotations', assetId: 'street-annotations', policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'model-training' }] }] } });
    const n = await this.#negotiate('lab', 'vendor', 'street-annotations', 'model-training', []);
    check(n.state === 'FINALIZED', `negotiation ${n.state}: ${n.reasons.map((r) => r.code).join(', ')}`);
    const { transfer, text } = await this.#transferAndPull('lab', 'annotate-bj', n.agreementId!);
    check((JSON.parse(text) as unknown[]).length === 2000, 'expected 2,000 annotations');
    const usage = await until(() => this.#ledgerEntry((r) => r.kind === 'usage' && r.transfer === transfer.providerPid), (e) => e !== undefined);
    check(usage !== undefined, 'the usage record did not reach the ledger');
    return `${usage!.record.bytes} bytes, sha256 ${String(usage!.record.sha256).slice(0, 16)}… at ledger entry ${usage!.seq}`;
  }

  /** The first ledger entry whose record matches, reading the ledger page by page as an operator would. */
  async #ledgerEntry(match: (record: Record<string, unknown>) => boolean): Promise<{ record: Record<string, unknown>; seq: number } | undefined> {
    for (let after = 0; ; ) {
      const page = await this.#world.operator<Array<{ record: Record<string, unknown>; seq: number }>>('GET', `/ledger/entries?after=${after}&limit=1000`);
      check(page.status === 200, `reading the ledger failed: ${JSON.stringify(page.body)}`);
      const found = page.body.find((e) => match(e.record));
      if (found || page.body.length === 0) return found;
      after = page.body.at(-1)!.seq;
    }
  }

  /** d. A consumer whose certificate is revoked → refused at TLS. */
  async revokedConsumer(): Promise<string> {
    await this.#world.revoke('rogue');
    const c = this.#world.connectors.rogue;
    const r = await until(() => c.api<{ code: string; message: string }>('POST', '/catalog/query', { providerId: 'bj-hospital', address: this.#world.connectors.hospital.dspUrl }), (x) => x.status !== 200 && x.body.message.includes('TLS_CERT_REVOKED'), 10_000);
    check(r.status !== 200 && r.body.message.includes('TLS_CERT_REVOKED'), `expected TLS_CERT_REVOKED, got ${r.status} ${JSON.stringify(r.body)}`);
    return 'bj-hospital answered TLS_CERT_REVOKED before any handler ran';
  }

  /**
   * e. A standard-contract flow whose filing is overdue → refused; the filing is recorded → allowed. The data are
   * pharmacovigilance reports, a category the security assessment of scenario b does not cover (a covering
   * assessment would open this band on its own, PIPL art. 38(1)).
   */
  async overdueFiling(): Promise<string> {
    await this.#publish('hospital', clinical('trial-scc', 300, true, this.#backend.url('/trial-scc.ndjson'), ['pharmacovigilance']), researchOffer('trial-scc'));
    const effective = isoDay(systemClock.now().getTime() - 40 * DAY);
    const entry = { ref: 'SCC-BJH-PHARMA-2026', recipient: 'pharma-de', effective, filing_ref: null };
    await this.#world.connectors.hospital.api('POST', '/approvals', { id: 'scc-pharma', kind: 'standard_contract', entry });
    const refused = await this.#negotiate('pharma', 'hospital', 'trial-scc', 'clinical-research', ['drop_fields', 'pseudonymise_fields']);
    const codes = refused.reasons.map((r) => r.code);
    check(refused.state === 'TERMINATED' && codes.includes('EXPORT_CONTRACT_FILING_OVERDUE'), `expected EXPORT_CONTRACT_FILING_OVERDUE, got ${refused.state} ${codes.join(', ')}`);
    this.#say(`   refused: ${codes.join(', ')}`);
    await this.#world.connectors.hospital.api('POST', '/approvals', { id: 'scc-pharma', kind: 'standard_contract', entry: { ...entry, filing_ref: 'BJ-CAC-FILING-2026-0042' } });
    this.#say('   filing BJ-CAC-FILING-2026-0042 recorded; asking again');
    const allowed = await this.#negotiate('pharma', 'hospital', 'trial-scc', 'clinical-research', ['drop_fields', 'pseudonymise_fields']);
    check(allowed.state === 'FINALIZED', `expected an agreement, got ${allowed.state} ${allowed.reasons.map((x) => x.code).join(', ')}`);
    return `refused with ${codes.join(', ')}, then agreed (${allowed.agreementId})`;
  }
}
