/**
 * The data-space PKI of the compose deployment (docker/compose.yaml), run by its one-shot `pki` service through the
 * real `kouan pki` commands. One folder per participant (one volume each in compose) receives the CA certificate,
 * the current CRL and that participant's certificate and key; the CA key stays in the CA folder, which no other
 * service mounts.
 *
 *   node docker/pki.mjs init                       create what is missing (CA, certificates), publish CA and CRL
 *   node docker/pki.mjs revoke --participant ID    revoke (or --serial HEX), then publish the new CRL
 *   node docker/pki.mjs crl [--days N]             re-sign the CRL (it expires after 7 days: hard fail), publish
 *   node docker/pki.mjs rotate ID                  issue a new certificate for ID into its folder (restart it after)
 *
 * Environment: KOUAN_PKI_DIR (default /pki: CA in ./ca, participants in ./<service>), KOUAN_PARTICIPANTS (default
 * /etc/kouan/participants.json), KOUAN_OWNER (uid:gid that should own the published files when run as root).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KOUAN = fileURLToPath(new URL('../bin/kouan.js', import.meta.url));
const root = process.env.KOUAN_PKI_DIR ?? '/pki';
const caDir = join(root, 'ca');
const { participants } = JSON.parse(readFileSync(process.env.KOUAN_PARTICIPANTS ?? '/etc/kouan/participants.json', 'utf8'));
const owner = process.env.KOUAN_OWNER && process.getuid?.() === 0 ? process.env.KOUAN_OWNER.split(':').map(Number) : null;

/** Runs the real CLI; its one-line result (or refusal) goes straight to our output. */
const kouan = (...args) => execFileSync(process.execPath, [KOUAN, 'pki', ...args], { stdio: 'inherit' });

const say = (line) => process.stdout.write(`pki: ${line}\n`);

/** Hands a file to the service user (when run as root) with the given mode. */
function own(file, mode) {
  chmodSync(file, mode);
  if (owner) chownSync(file, owner[0], owner[1] ?? owner[0]);
}

/** Writes through a temporary name and a rename, so a service polling the file never reads half of it. */
function publish(file, content, mode) {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  writeFileSync(`${file}.tmp`, content, { mode });
  own(`${file}.tmp`, mode);
  renameSync(`${file}.tmp`, file);
  return true;
}

/** Copies the CA certificate and the current CRL into every participant's folder; services reload the CRL on change. */
function publishTrust() {
  const ca = readFileSync(join(caDir, 'ca.crt'), 'utf8');
  const crl = readFileSync(join(caDir, 'ca.crl'), 'utf8');
  for (const p of participants) {
    const dir = join(root, p.service);
    const changed = [publish(join(dir, 'ca.crt'), ca, 0o644) && 'ca.crt', publish(join(dir, 'ca.crl'), crl, 0o644) && 'ca.crl'].filter(Boolean);
    if (changed.length) say(`published ${changed.join(' and ')} to ${dir}`);
  }
}

function issue(p) {
  const dir = join(root, p.service);
  mkdirSync(dir, { recursive: true });
  const dns = (p.dns ?? []).flatMap((name) => ['--dns', name]);
  kouan('issue', '--dir', caDir, '--participant', p.id, '--country', p.country, '--org', p.legalName, ...dns, '--out', join(dir, 'participant'));
  own(join(dir, 'participant.key'), 0o600);
  own(join(dir, 'participant.crt'), 0o644);
}

/** Whether the participant's folder holds a certificate of this CA (a folder left over from an older CA does not). */
function hasCertificate(p, ca) {
  const file = join(root, p.service, 'participant.crt');
  return existsSync(file) && existsSync(join(root, p.service, 'participant.key')) && new X509Certificate(readFileSync(file)).checkIssued(ca);
}

function init() {
  if (existsSync(join(caDir, 'ca.crt'))) say(`CA exists in ${caDir}; kept`);
  else kouan('init', '--dir', caDir, '--name', 'Kouan data-space CA');
  chmodSync(caDir, 0o700);
  const ca = new X509Certificate(readFileSync(join(caDir, 'ca.crt')));
  for (const p of participants) {
    if (hasCertificate(p, ca)) say(`${p.id} has a certificate in ${join(root, p.service)}; kept`);
    else issue(p);
  }
  publishTrust();
}

function rotate(id) {
  const p = participants.find((x) => x.id === id);
  if (!p) throw new Error(`no participant '${id}' in the participants file`);
  const cert = join(root, p.service, 'participant.crt');
  const old = existsSync(cert) ? JSON.parse(execFileSync(process.execPath, [KOUAN, 'pki', 'show', cert], { encoding: 'utf8' })).serial : null;
  issue(p);
  publishTrust();
  say(`restart ${p.service}, then revoke the old certificate: pki revoke --serial ${old ?? '(none)'}`);
}

const [action = 'init', ...rest] = process.argv.slice(2);
try {
  if (action === 'init') init();
  else if (action === 'revoke' || action === 'crl') {
    kouan(action, '--dir', caDir, ...rest);
    publishTrust();
  } else if (action === 'rotate' && rest[0]) rotate(rest[0]);
  else throw new Error(`usage: pki.mjs init | revoke (--participant ID | --serial HEX) | crl [--days N] | rotate ID`);
} catch (error) {
  // The CLI has already printed its one-line reason; its exit status is ours (2 bad input, 1 failure).
  if (typeof error.status === 'number') process.exit(error.status);
  process.stderr.write(`pki: ${error.message}\n`);
  process.exit(2);
}
