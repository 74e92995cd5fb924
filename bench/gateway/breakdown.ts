/**
 * Where a gateway request spends its CPU: each step of authorize → respond → usage record, timed in-process
 * against a copy of the provider's own database after the load phases (the same transfer, agreement, asset,
 * counters and subject rows the gateway just served), and the per-record steps of the enforcer pipeline.
 * The store reads and writes are synchronous better-sqlite3 calls, so their wall time is their CPU time.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { codecs } from '../../src/data-plane/codecs.ts';
import { beijingYear, gatewayInput } from '../../src/data-plane/inputs.ts';
import { applyFieldRules, Pseudonyms, RecordKeys, rulesFrom } from '../../src/data-plane/obligations.ts';
import { SubjectMemory } from '../../src/data-plane/subject-memory.ts';
import { algorithmFor, canonicalJson, signCanonical } from '../../src/trust/jws.ts';
import { dataPlaneSecret } from '../../src/main/data-plane.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { NdjsonPassThrough } from '../../src/data-plane/passthrough.ts';
import { RecordEmitter } from '../../src/records/emitter.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { verifyAccessToken } from '../../src/trust/access-tokens.ts';
import { loadLocalIdentity } from '../../src/trust/identity.ts';
import { clinicalRecord } from './records.ts';

export interface Step {
  step: string;
  us: number;
  note?: string;
}

/** Median wall time of `fn` in µs over n runs after a warm-up. */
async function time(n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function breakdown(args: {
  stateDir: string;
  provider: { cert: string; key: string };
  consumer: { cert: string; key: string };
  token: string;
  transferId: string;
  records: number;
  extraSubjects: number;
}): Promise<{ perRequest: Step[]; perRecord: Step[]; reservations: Step[]; growth: Step[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kouan-bench-db-'));
  const db = join(dir, 'connector.db');
  copyFileSync(join(args.stateDir, 'connector.db'), db);
  for (const suffix of ['-wal', '-shm']) if (existsSync(join(args.stateDir, `connector.db${suffix}`))) copyFileSync(join(args.stateDir, `connector.db${suffix}`), `${db}${suffix}`);
  const stores = openSqliteStores(db);
  try {
    const self = loadLocalIdentity(args.provider.cert, args.provider.key);
    const alg = algorithmFor(self.key);
    const peerIdentity = loadLocalIdentity(args.consumer.cert, args.consumer.key);
    const peer = { participantId: peerIdentity.participantId, country: peerIdentity.country, certThumbprint: peerIdentity.certThumbprint, serial: peerIdentity.serial };
    const providerKey = createPublicKey(self.key);
    const policy = PolicyEngine.load();
    const keys = new RecordKeys(dataPlaneSecret(args.stateDir));
    const emitter = new RecordEmitter(self, stores.outbox, systemClock, createLogger({ level: 'silent' }));
    const clock = systemClock;

    const claims = await verifyAccessToken(args.token, peer, { participantId: self.participantId, publicKey: providerKey }, clock);
    const terms = (await stores.transferTerms.get(args.transferId))!;
    const { transfer } = terms;
    const agreement = terms.agreement!;
    const asset = terms.asset!;
    const now = clock.now();
    const exporter = { id: self.participantId, ciio: false };
    const year = beijingYear(now);
    const usage = await stores.usage.countRequest(agreement.id);
    const cumulative = await stores.usage.cumulative(exporter.id, year);
    const input = gatewayInput({ now, peer, claims, providerId: self.participantId, agreement, transfer, asset, exporter, cumulative, usage });
    const decision = policy.evaluate('kouan/gateway/decision', input);
    const usageBody = { transfer: transfer.id, agreement: agreement.id, consumer: agreement.consumerId, destinationCountry: peer.country, bytes: 250_000, records: args.records, newSubjects: 0, newSensitiveSubjects: 0, sha256: createHash('sha256').update('x').digest('hex'), decision: { allow: true, exportPath: agreement.exportPath, stoppedBy: null } };

    const perRequest: Step[] = [
      { step: `verifyAccessToken (JWT ${alg} verify + claims; the gateway remembers verified tokens)`, us: await time(2000, () => verifyAccessToken(args.token, peer, { participantId: self.participantId, publicKey: providerKey }, clock)) },
      { step: 'stores.transferTerms.get (transfer, agreement and asset in one statement)', us: await time(2000, () => stores.transferTerms.get(args.transferId)) },
      { step: `usage.countRequest (agreement with ${usage.subjects} subject rows)`, us: await time(2000, () => stores.usage.countRequest(agreement.id)) },
      { step: `usage.cumulative (exporter-year with ${cumulative.subjects} subject rows)`, us: await time(2000, () => stores.usage.cumulative(exporter.id, year)) },
      { step: 'gatewayInput + policy.evaluateStaged (validation + wasm, standing terms kept: as the gateway decides per request)', us: await time(2000, () => policy.evaluateStaged('kouan/gateway/decision', gatewayInput({ now, peer, claims, providerId: self.participantId, agreement, transfer, asset, exporter, cumulative, usage }))) },
      { step: '  of which the whole input\'s schema validation (a transfer\'s first request)', us: await time(2000, () => policy.validate('kouan/gateway/decision', input)) },
      { step: 'rulesFrom (per stream)', us: await time(2000, () => rulesFrom(decision.obligations)) },
      { step: `records.emit(usage): canonical JSON + ${alg} sign + outbox insert`, us: await time(500, () => emitter.emit('usage', usageBody)) },
      { step: '  of which canonicalJson', us: await time(2000, () => canonicalJson({ id: 'urn:uuid:x', kind: 'usage', participant: self.participantId, at: now.toISOString(), ...usageBody })) },
      { step: `  of which signCanonical (${alg})`, us: await time(300, () => signCanonical(canonicalJson(usageBody), self.key)) },
      { step: '  of which outbox.enqueue (one SQLite write)', us: await time(2000, () => stores.outbox.enqueue({ id: `urn:uuid:${randomBytes(16).toString('hex')}`, kind: 'usage', record: usageBody, signature: 'x..y', createdAt: now.toISOString() })) },
    ];

    // Per record: what the pipeline does to each of the backend's records.
    const { fields } = rulesFrom(decision.obligations);
    const pseudonymKey = keys.pseudonymKey(agreement.id);
    const pseudonyms = new Pseudonyms(pseudonymKey);
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify(clinicalRecord(i)));
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    const per = async (fn: () => unknown) => (await time(50, fn)) / lines.length;
    const parsed = async () => {
      const parser = codecs.ndjson.parser();
      parser.on('data', () => undefined);
      parser.end(chunk);
      await new Promise((r) => parser.once('end', r));
    };
    const memory = new SubjectMemory(keys);
    const hashes = objects.map((o) => memory.hash(String(o[asset.classification.pi.subjectIdField ?? 'patient_id'])));
    const batch = hashes.slice(0, 256);
    const perRecord: Step[] = [
      { step: 'ndjson parser (split + JSON.parse), per record', us: await per(parsed) },
      { step: 'keys.subjectHash (HMAC-SHA-256), per record', us: await per(() => objects.forEach((o) => keys.subjectHash(o.patient_id))) },
      { step: '  SubjectMemory.hash of a subject seen before (the gateway\'s path), per record', us: await per(() => objects.forEach((o) => memory.hash(String(o.patient_id)))) },
      { step: `applyFieldRules (${fields.drop.length} drop, ${fields.mask.length} mask, ${fields.pseudonymise.length} pseudonymise), per record`, us: await per(() => objects.forEach((o) => applyFieldRules(o, fields, pseudonyms))) },
      { step: 'serializer JSON.stringify, per record', us: await per(() => objects.forEach((o) => JSON.stringify(o))) },
      { step: 'meter sha256 of the output, per record', us: await per(() => createHash('sha256').update(chunk).digest()) },
      { step: 'usage.knownSubjects (batch of 256, all known) / 256', us: (await time(300, () => stores.usage.knownSubjects(exporter.id, year, batch))) / 256 },
      { step: 'usage.addSubjects (batch of 256, all known, sensitive) / 256', us: (await time(300, () => stores.usage.addSubjects(exporter.id, year, agreement.id, batch, asset.classification.pi.sensitiveSubjects > 0))) / 256 },
      { step: 'usage.addRecords (one per batch of 256) / 256', us: (await time(300, () => stores.usage.addRecords(agreement.id, 256))) / 256 },
    ];

    // The pass-through stage on the same 1,000 records, fed in 64 KiB pieces as a socket delivers them (4 pieces).
    // The options carry both the present shape (take) and the one before budgets were reservations (maxRecords),
    // so the same rows time whichever gateway this tree has.
    const pieces = Array.from({ length: Math.ceil(chunk.length / 65_536) }, (_, i) => chunk.subarray(i * 65_536, (i + 1) * 65_536));
    const passThrough = async (options: { take: (want: number) => Promise<number>; maxRecords: number; count: (records: number) => Promise<void> }) => {
      const stage = new NdjsonPassThrough({ ...options, observe: () => undefined } as unknown as ConstructorParameters<typeof NdjsonPassThrough>[0]);
      stage.on('data', () => undefined);
      const ended = new Promise((resolve, reject) => stage.once('end', resolve).once('error', reject));
      for (const piece of pieces) stage.write(piece);
      stage.end();
      await ended;
    };
    const budgets = (stores as Partial<typeof stores>).budgets;
    const budgetModule = budgets ? await import('../../src/data-plane/budget.ts').catch(() => null) : null;
    const scope = { agreementId: agreement.id, exporterId: exporter.id, year };
    const CAP = 1e12;
    const uncappedTotals = { records: Infinity, agreementSubjects: Infinity, subjects: Infinity, sensitiveSubjects: Infinity };
    const cappedBudget = budgetModule && budgets ? new budgetModule.StreamBudget(budgets, stores.usage, scope, { records: CAP, agreementSubjects: CAP, subjects: CAP, sensitiveSubjects: CAP }) : null;
    const uncappedBudget = budgetModule && budgets ? new budgetModule.StreamBudget(budgets, stores.usage, scope, uncappedTotals) : null;
    const free = async (want: number) => want;
    perRecord.push(
      { step: 'JSON.parse of each line alone (what the pass-through now does to every line), per record', us: await per(() => lines.forEach((l) => JSON.parse(l))) },
      { step: 'NdjsonPassThrough, 4 × 64 KiB pieces, budget and count free (line scan, and the parse where there is one), per record', us: (await time(300, () => passThrough({ take: free, maxRecords: Infinity, count: async () => undefined }))) / lines.length },
      { step: 'NdjsonPassThrough as the gateway runs it without maxRecords (records stored on SQLite), per record', us: (await time(300, () => passThrough({ take: uncappedBudget ? (want) => uncappedBudget.take('records', want) : free, maxRecords: Infinity, count: (n) => stores.usage.addRecords(agreement.id, n) }))) / lines.length },
      { step: 'NdjsonPassThrough as the gateway runs it with a maxRecords never reached (reservations where there are), per record', us: (await time(300, () => passThrough({ take: cappedBudget ? (want) => cappedBudget.take('records', want) : free, maxRecords: CAP, count: (n) => stores.usage.addRecords(agreement.id, n) }))) / lines.length },
    );

    // Budgets as reservations (src/data-plane/budget.ts on src/storage/sql/budgets.ts) and the representation
    // checks; a tree without them leaves this table empty.
    const reservations: Step[] = [];
    if (cappedBudget && uncappedBudget && budgets) {
      await cappedBudget.take('records', 1); // the row exists (seeded), as after a stream's first batch
      await Promise.all([cappedBudget.take('subjects', 1), cappedBudget.take('sensitiveSubjects', 1)]);
      reservations.push(
        { step: 'StreamBudget.take(records, 256) on a capped budget: one UPDATE … RETURNING (per batch of 256 on the record path, per chunk on the pass-through path)', us: await time(3000, () => cappedBudget.take('records', 256)) },
        { step: 'StreamBudget.giveBack(records, 10): one UPDATE (only when a batch is cut, or persons turned out not to be new)', us: await time(3000, () => cappedBudget.giveBack('records', 10)) },
        { step: 'a batch of 256 records with new persons under the exporter\'s caps: take records + persons + sensitive persons (three UPDATEs)', us: await time(2000, async () => { await cappedBudget.take('records', 256); await cappedBudget.take('subjects', 40); await cappedBudget.take('sensitiveSubjects', 40); }) },
        { step: 'StreamBudget.take on an uncapped budget, or of 0 units (every person already written): no statement', us: await time(3000, () => uncappedBudget.take('records', 256)) },
        { step: 'BudgetStore.reserve on a budget never reserved from: UPDATE miss, seed read, INSERT, UPDATE (once per budget)', us: await time(500, () => budgets.reserve(`bench:${randomBytes(8).toString('hex')}`, 256, CAP, async () => (await stores.usage.agreementUsage(agreement.id)).records)) },
      );
      const backendStage = await import('../../src/data-plane/stages/backend.ts').catch(() => null);
      if (backendStage) {
        reservations.push({ step: 'representation checks per request: backendHeaders + backendQuery + checkBackendAnswer', us: await time(3000, () => {
          backendStage.backendHeaders(asset, '127.0.0.1:1');
          backendStage.backendQuery(asset, `/transfers/${transfer.id}`);
          backendStage.checkBackendAnswer(asset.backend.format, 200, { 'content-type': 'application/x-ndjson' });
        }) });
      }
      const look = await time(2000, () => stores.transferTerms.get(transfer.id));
      reservations.push({ step: 'StreamWatch: one transferTerms.get per running transfer per look (every 250 ms), so per second per transfer', us: 4 * look });
    }

    // The per-request counts grow with the subjects: add synthetic ones under this agreement (so to its exporter-year too) and time again.
    const growth: Step[] = [];
    const before = await stores.usage.cumulative(exporter.id, year);
    for (let added = 0; added < args.extraSubjects; added += 5000) {
      await stores.usage.addSubjects(exporter.id, year, agreement.id, Array.from({ length: 5000 }, () => randomBytes(32).toString('base64url')), false);
    }
    const after = await stores.usage.cumulative(exporter.id, year);
    const agreementRows = (await stores.usage.agreementUsage(agreement.id)).subjects;
    growth.push(
      { step: `usage.countRequest (agreement with ${agreementRows} subject rows)`, us: await time(500, () => stores.usage.countRequest(agreement.id)) },
      { step: `usage.cumulative (exporter-year with ${after.subjects} subject rows, was ${before.subjects})`, us: await time(500, () => stores.usage.cumulative(exporter.id, year)) },
    );
    return { perRequest, perRecord, reservations, growth };
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
