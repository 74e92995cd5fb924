/**
 * Registers the data space's connectors at the registry through its operator API, with the certificates the `pki`
 * service issued (docker/compose.yaml runs it once the registry is healthy). Idempotent: a participant already
 * registered with the same certificate is left alone; one registered with another certificate is reported and the
 * run fails, because the registry refuses that participant's records until the two agree.
 *
 * Environment: KOUAN_OPERATOR_URL (default http://registry:8451/operator/v1), KOUAN_OPERATOR_API_KEY_FILE (default
 * /var/lib/kouan/operator-api-key), KOUAN_PKI_DIR (default /pki), KOUAN_PARTICIPANTS (default
 * /etc/kouan/participants.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const operatorUrl = process.env.KOUAN_OPERATOR_URL ?? 'http://registry:8451/operator/v1';
const apiKey = readFileSync(process.env.KOUAN_OPERATOR_API_KEY_FILE ?? '/var/lib/kouan/operator-api-key', 'utf8').trim();
const root = process.env.KOUAN_PKI_DIR ?? '/pki';
const { participants } = JSON.parse(readFileSync(process.env.KOUAN_PARTICIPANTS ?? '/etc/kouan/participants.json', 'utf8'));

const say = (line) => process.stdout.write(`enrol: ${line}\n`);

/** One operator API call; retried a few times while the registry cannot be reached. */
async function operator(method, path, body) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const r = await request(`${operatorUrl}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : null,
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: text ? JSON.parse(text) : null };
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1000);
    }
  }
}

let failed = false;
for (const p of participants.filter((x) => x.role === 'connector')) {
  const certificatePem = readFileSync(join(root, p.service, 'participant.crt'), 'utf8');
  const known = await operator('GET', `/participants/${encodeURIComponent(p.id)}`);
  if (known.status === 200) {
    if (known.body.certificatePem?.trim() === certificatePem.trim()) say(`${p.id} is registered (${known.body.status}); kept`);
    else {
      say(`${p.id} is registered with another certificate (${known.body.certThumbprint}); the registry refuses its records until they agree`);
      failed = true;
    }
    continue;
  }
  if (known.status !== 404) throw new Error(`reading ${p.id} failed: ${known.status} ${JSON.stringify(known.body)}`);
  const registration = { id: p.id, legalName: p.legalName, country: p.country, ciio: p.ciio ?? false, ftz: p.ftz ?? null, dspUrl: p.dspUrl ?? null, certificatePem };
  const created = await operator('POST', '/participants', registration);
  if (created.status !== 201) throw new Error(`registering ${p.id} failed: ${created.status} ${JSON.stringify(created.body)}`);
  say(`registered ${p.id} (${p.country}), certificate ${created.body.certThumbprint}`);
}
process.exitCode = failed ? 1 : 0;
