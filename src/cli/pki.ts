import { readFileSync } from 'node:fs';
import { systemClock } from '../core/clock.ts';
import { InputError } from '../core/errors.ts';
import { identityOfCertificate, readCertificate } from '../trust/identity.ts';
import { CaDirectory } from '../trust/pki/ca-dir.ts';
import { initCa, issueCertificate, writeIssued } from '../trust/pki/ca.ts';
import { revoke, writeCrl } from '../trust/pki/crl.ts';
import { EXIT, required, type Group } from './command.ts';

const dirOption = { dir: { type: 'string' } } as const;
const dirHelp = { dir: 'The CA directory (ca.crt, ca.key, ca.crl, issued.json).' };

const positiveInt = (values: Record<string, unknown>, name: string, fallback: number): number => {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InputError(`--${name} must be a positive whole number`);
  return n;
};

const date = (values: Record<string, unknown>, name: string): Date | undefined => {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const d = new Date(String(raw));
  if (Number.isNaN(d.getTime())) throw new InputError(`--${name} must be an ISO 8601 date`);
  return d;
};

export const pki: Group = {
  name: 'pki',
  summary: 'The data-space CA: participant certificates and revocation.',
  commands: [
    {
      name: 'init',
      summary: 'Create the data-space CA (RSA 3072, SHA-256) and an empty CRL; never overwrites one.',
      usage: '--dir DIR [--name NAME]',
      options: { ...dirOption, name: { type: 'string' }, 'key-bits': { type: 'string' } },
      help: { ...dirHelp, name: 'The CA common name.', 'key-bits': 'RSA key size, at least 3072 (default 3072).' },
      async run(values, _p, io) {
        const dir = required(values, 'dir');
        const ca = await initCa({ dir, clock: systemClock, keyBits: positiveInt(values, 'key-bits', 3072), ...(values.name ? { name: String(values.name) } : {}) });
        io.out(`created ${ca.certPath}, ${ca.keyPath} (0600) and ${ca.crlPath}`);
        return EXIT.ok;
      },
    },
    {
      name: 'issue',
      summary: 'Issue a participant certificate (TLS server + client, SAN urn:kouan:participant:ID).',
      usage: '--dir DIR --participant ID --country CC [--dns NAME]... [--ip IP]... --out PREFIX',
      options: {
        ...dirOption,
        participant: { type: 'string' },
        country: { type: 'string' },
        dns: { type: 'string', multiple: true },
        ip: { type: 'string', multiple: true },
        org: { type: 'string' },
        out: { type: 'string' },
        days: { type: 'string' },
        'not-before': { type: 'string' },
        'not-after': { type: 'string' },
        'key-type': { type: 'string' },
        'key-bits': { type: 'string' },
      },
      help: {
        ...dirHelp,
        participant: 'Participant id (a-z 0-9 . _ -).',
        country: 'ISO 3166-1 alpha-2 country of the participant (C= in the subject).',
        dns: 'A DNS name for the SAN.',
        ip: 'An IP address for the SAN.',
        org: 'Legal name (O= in the subject).',
        out: 'Writes PREFIX.crt and PREFIX.key (0600).',
        days: 'Validity in days (default 365).',
        'not-before': 'Start of validity (ISO 8601; default now).',
        'not-after': 'End of validity (ISO 8601; overrides --days).',
        'key-type': 'ec (P-256, ES256 signatures; default) or rsa (PS256).',
        'key-bits': 'RSA key size with --key-type rsa (default 3072).',
      },
      async run(values, _p, io) {
        const keyType = values['key-type'] ?? 'ec';
        if (keyType !== 'ec' && keyType !== 'rsa') throw new InputError(`--key-type must be ec or rsa, not '${String(keyType)}'`);
        const notBefore = date(values, 'not-before');
        const notAfter = date(values, 'not-after');
        const issued = issueCertificate({
          dir: required(values, 'dir'),
          participantId: required(values, 'participant'),
          country: required(values, 'country'),
          dns: (values.dns as string[] | undefined) ?? [],
          ips: (values.ip as string[] | undefined) ?? [],
          validityDays: positiveInt(values, 'days', 365),
          keyType,
          keyBits: positiveInt(values, 'key-bits', 3072),
          clock: systemClock,
          ...(values.org ? { organization: String(values.org) } : {}),
          ...(notBefore ? { notBefore } : {}),
          ...(notAfter ? { notAfter } : {}),
        });
        const { certPath, keyPath } = writeIssued(required(values, 'out'), issued);
        io.out(`issued ${issued.record.serial} to ${issued.record.participantId} (${issued.record.country}): ${certPath}, ${keyPath} (0600)`);
        return EXIT.ok;
      },
    },
    {
      name: 'revoke',
      summary: 'Revoke a certificate by serial, or every certificate of a participant, and write a new CRL.',
      usage: '--dir DIR (--serial S | --participant ID)',
      options: { ...dirOption, serial: { type: 'string' }, participant: { type: 'string' } },
      help: { ...dirHelp, serial: 'Hex serial of the certificate.', participant: 'Revoke every certificate of this participant.' },
      async run(values, _p, io) {
        const dir = required(values, 'dir');
        if (Boolean(values.serial) === Boolean(values.participant)) throw new InputError('give exactly one of --serial or --participant');
        const target = values.serial ? { serial: String(values.serial) } : { participantId: String(values.participant) };
        const serials = await revoke(dir, target, systemClock);
        io.out(`revoked ${serials.join(', ')}; CRL written to ${new CaDirectory(dir).crlPath}`);
        return EXIT.ok;
      },
    },
    {
      name: 'crl',
      summary: 'Write a fresh CRL (DIR/ca.crl) listing every revoked serial, signed by the CA.',
      usage: '--dir DIR [--days N]',
      options: { ...dirOption, days: { type: 'string' } },
      help: { ...dirHelp, days: 'Days until nextUpdate (default 7).' },
      async run(values, _p, io) {
        const path = await writeCrl(new CaDirectory(required(values, 'dir')), systemClock, positiveInt(values, 'days', 7));
        io.out(`wrote ${path}`);
        return EXIT.ok;
      },
    },
    {
      name: 'show',
      summary: 'Print the identity in a certificate as JSON.',
      usage: 'FILE',
      options: {},
      help: {},
      async run(_values, positionals, io) {
        const file = positionals[0];
        if (!file) throw new InputError('give the certificate file');
        let pem: Buffer;
        try {
          pem = readFileSync(file);
        } catch {
          throw new InputError(`cannot read ${file}`);
        }
        const cert = readCertificate(pem);
        const identity = identityOfCertificate(cert);
        io.out(JSON.stringify({ ...identity, subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), notBefore: new Date(cert.validFrom).toISOString(), notAfter: new Date(cert.validTo).toISOString() }, null, 2));
        return EXIT.ok;
      },
    },
  ],
};
