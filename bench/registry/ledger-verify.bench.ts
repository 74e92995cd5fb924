/**
 * `kouan ledger verify` over a long SQLite chain, against a baseline measured in the same run: reading the same
 * entries page by page through LedgerStore.links with no check at all (the floor any verification stands on).
 *   - default: the chain, every checkpoint (position and signature), the head row and the unsigned tail, over
 *     BENCH_VERIFY_ENTRIES (1,000,000) entries with a checkpoint every 1,000, in two threads; in-process and through
 *     the real CLI;
 *   - --signatures: every receipt and every record signature (ES256 each) in worker threads, over
 *     BENCH_SIGNATURE_ENTRIES (50,000) entries with real per-entry receipts and connector signatures; the figure
 *     for 1,000,000 entries is extrapolated from it (linear: each entry costs two signature checks).
 * Prints a table, the configuration, and last one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.ts';
import { checkpointDocument, entryHash } from '../../src/registry/ledger/chain.ts';
import { LedgerSigner } from '../../src/registry/ledger/signer.ts';
import { verifyLedger } from '../../src/registry/ledger/verify.ts';
import type { LedgerEntry } from '../../src/registry/model.ts';
import { ParticipantRegistry } from '../../src/registry/participants.ts';
import type { RegistryStores } from '../../src/registry/storage/ports.ts';
import { openSqliteRegistryStores } from '../../src/registry/storage/sqlite/index.ts';
import { loadLocalIdentity, readCertificate } from '../../src/trust/identity.ts';
import { canonicalJson, participantHeader, signCanonical } from '../../src/trust/jws.ts';
import { KOUAN } from '../../test/support/cli.ts';
import { TestPki } from '../../test/support/pki.ts';
import { usageRecord } from '../../test/registry/support.ts';

const VERIFY_ENTRIES = Number(process.env.BENCH_VERIFY_ENTRIES ?? 1_000_000);
const SIGNATURE_ENTRIES = Number(process.env.BENCH_SIGNATURE_ENTRIES ?? 50_000);
const EVERY = 1000;
const BUILD_BATCH = 5000;

const pki = await TestPki.create();
const registryCredentials = pki.issue('data-port-registry', 'CN');
const registry = loadLocalIdentity(registryCredentials.cert, registryCredentials.key);
const connectorCredentials = pki.issue('writer-0', 'CN');
const connector = loadLocalIdentity(connectorCredentials.cert, connectorCredentials.key);
const template = usageRecord('writer-0');

/**
 * A chain of `count` entries linked by the ledger's own hash, a checkpoint every 1,000 and one over the head. With
 * `real`, each entry carries its own connector signature and registry receipt; otherwise one of each, reused.
 */
async function build(stores: RegistryStores, signer: LedgerSigner, count: number, real: boolean): Promise<number> {
  const began = performance.now();
  const reusedSignature = signCanonical(canonicalJson(template), connector.key, participantHeader(connector));
  const reusedReceipt = signer.sign({ recordId: 'urn:kouan:bench:0', seq: 0, entryHash: '0'.repeat(64), receivedAt: new Date(0).toISOString() });
  const start = systemClock.now().getTime();
  for (let done = 0; done < count; done += BUILD_BATCH) {
    await stores.ledger.append([], (head) => {
      const entries: LedgerEntry[] = [];
      const checkpoints = [];
      let { seq, hash } = head;
      const receivedAt = new Date(start + done / 1000).toISOString();
      for (let i = 0; i < Math.min(BUILD_BATCH, count - done); i += 1) {
        seq += 1;
        const recordId = `urn:kouan:bench:${seq}`;
        const record = canonicalJson({ ...template, id: recordId });
        const signature = real ? signCanonical(record, connector.key, participantHeader(connector)) : reusedSignature;
        const link = { seq, recordId, kind: 'usage' as const, participant: 'writer-0', record, signature, receivedAt };
        hash = entryHash(hash, link);
        const receipt = real ? signer.sign({ recordId, seq, entryHash: hash, receivedAt }) : reusedReceipt;
        entries.push({ ...link, hash, receipt });
        if (seq % EVERY === 0 || seq === count) checkpoints.push({ seq, hash, at: receivedAt, signature: signer.sign(checkpointDocument({ seq, hash, at: receivedAt })) });
      }
      return { entries, checkpoints, result: undefined };
    });
  }
  return (performance.now() - began) / 1000;
}

async function ledgerOf(count: number, real: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'kouan-bench-verify-'));
  const file = join(dir, 'registry.db');
  const stores = openSqliteRegistryStores(file);
  const signer = LedgerSigner.fromFile(join(dir, 'ledger.key'));
  await stores.ledger.addKey(await signer.bind(registry, systemClock));
  await new ParticipantRegistry(stores.participants, readCertificate(pki.caPem), systemClock).register({ id: 'writer-0', legalName: 'Writer Ltd.', country: 'CN', certificatePem: readFileSync(connectorCredentials.cert, 'utf8') });
  const buildSeconds = await build(stores, signer, count, real);
  return { dir, file, stores, buildSeconds };
}

const cliVerify = (file: string, ...extra: string[]) => {
  const began = performance.now();
  const cli = spawnSync(process.execPath, [KOUAN, 'ledger', 'verify', '--db', file, '--ca', pki.caPath, '--registry-cert', registryCredentials.cert, '--json', ...extra], { encoding: 'utf8' });
  const seconds = (performance.now() - began) / 1000;
  if (cli.status !== 0) throw new Error(`kouan ledger verify ${extra.join(' ')} exited ${cli.status}: ${cli.stderr}`);
  return { seconds, report: JSON.parse(cli.stdout) as { entries: number; receipts: number; signatures: number } };
};

// The long chain: baseline read, in-process verify, CLI verify.
const long = await ledgerOf(VERIFY_ENTRIES, false);
let began = performance.now();
for (let after = 0; ; ) {
  const page = await long.stores.ledger.links(after, 1000);
  if (page.length === 0) break;
  after = page.at(-1)!.seq;
}
const baselineSeconds = (performance.now() - began) / 1000;
began = performance.now();
const cpuBefore = process.cpuUsage();
const verified = await verifyLedger(long.stores.ledger, { ca: readCertificate(pki.caPem), registryCertificate: readCertificate(readFileSync(registryCredentials.cert)), parallel: { db: long.file } });
const inProcessSeconds = (performance.now() - began) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await long.stores.close();
if (!verified.ok || verified.entries !== VERIFY_ENTRIES) throw new Error(`verification failed: ${JSON.stringify(verified)}`);
const cli = cliVerify(long.file);
const dbBytes = statSync(long.file).size;
rmSync(long.dir, { recursive: true, force: true });

// The signed chain: every receipt and record signature.
const signed = await ledgerOf(SIGNATURE_ENTRIES, true);
await signed.stores.close();
const plain = cliVerify(signed.file);
const full = cliVerify(signed.file, '--signatures');
if (full.report.signatures !== SIGNATURE_ENTRIES || full.report.receipts !== SIGNATURE_ENTRIES) throw new Error(`--signatures checked ${JSON.stringify(full.report)}`);
rmSync(signed.dir, { recursive: true, force: true });
pki.cleanup();

// The CLI's fixed cost (start, open) is in `plain`; the per-entry cost of --signatures scales with the entries.
const perEntrySignatures = (full.seconds - plain.seconds) / SIGNATURE_ENTRIES;
const signatures1m = cli.seconds + perEntrySignatures * 1_000_000;
const r = (n: number, d = 2) => Number(n.toFixed(d));
console.log(`config: SQLite WAL, entries of ${(dbBytes / VERIFY_ENTRIES).toFixed(0)} bytes on disk (usage records, ES256 signatures and receipts), a checkpoint every ${EVERY}, pages of 1,000; ${availableParallelism()} worker threads for --signatures; node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| case | entries | seconds | vs baseline read |');
console.log('|---|---|---|---|');
console.log(`| read every entry through LedgerStore.links, no checks (baseline) | ${VERIFY_ENTRIES} | ${baselineSeconds.toFixed(2)} | 1.00 |`);
console.log(`| verifyLedger in-process, two threads: chain, checkpoints, head, tail (${(cpu.user / 1e6 + cpu.system / 1e6).toFixed(2)} s CPU) | ${VERIFY_ENTRIES} | ${inProcessSeconds.toFixed(2)} | ${(inProcessSeconds / baselineSeconds).toFixed(2)} |`);
console.log(`| kouan ledger verify (process start included) | ${VERIFY_ENTRIES} | ${cli.seconds.toFixed(2)} | ${(cli.seconds / baselineSeconds).toFixed(2)} |`);
console.log(`| kouan ledger verify, real receipts and signatures, chain only | ${SIGNATURE_ENTRIES} | ${plain.seconds.toFixed(2)} |  |`);
console.log(`| kouan ledger verify --signatures (every receipt and record signature) | ${SIGNATURE_ENTRIES} | ${full.seconds.toFixed(2)} |  |`);
console.log(`| kouan ledger verify --signatures, extrapolated | 1000000 | ${signatures1m.toFixed(1)} |  |`);
console.log(`built: ${VERIFY_ENTRIES} entries in ${long.buildSeconds.toFixed(1)} s (${(dbBytes / 2 ** 20).toFixed(0)} MiB), ${SIGNATURE_ENTRIES} signed entries in ${signed.buildSeconds.toFixed(1)} s`);
console.log(JSON.stringify({
  bench: 'ledger-verify',
  verify_entries: VERIFY_ENTRIES,
  verify_1m_s: r(cli.seconds * (1_000_000 / VERIFY_ENTRIES)),
  verify_1m_in_process_s: r(inProcessSeconds * (1_000_000 / VERIFY_ENTRIES)),
  verify_1m_in_process_cpu_s: r(((cpu.user + cpu.system) / 1e6) * (1_000_000 / VERIFY_ENTRIES)),
  verify_baseline_read_1m_s: r(baselineSeconds * (1_000_000 / VERIFY_ENTRIES)),
  verify_ratio: r(inProcessSeconds / baselineSeconds),
  signature_entries: SIGNATURE_ENTRIES,
  signatures_s: r(full.seconds),
  signatures_1m_s_extrapolated: r(signatures1m, 1),
  signatures_per_s: Math.round(SIGNATURE_ENTRIES / (full.seconds - plain.seconds)),
  workers: availableParallelism(),
}));
