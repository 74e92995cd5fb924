import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { PARTICIPANT_URN_PREFIX } from '../../src/trust/identity.ts';
import { initCa, issueCertificate, writeIssued, type IssueOptions } from '../../src/trust/pki/ca.ts';
import { revoke } from '../../src/trust/pki/crl.ts';
import { TrustStore, type TrustPaths } from '../../src/trust/trust-store.ts';

export interface Credentials {
  cert: string;
  key: string;
}

/** A real data-space CA in a temporary folder, issuing real certificates (P-256 keys unless a test asks for RSA). */
export class TestPki {
  readonly root: string;
  readonly dir: string;
  readonly clock: Clock;

  private constructor(root: string, clock: Clock) {
    this.root = root;
    this.dir = join(root, 'ca');
    this.clock = clock;
  }

  static async create(clock: Clock = systemClock): Promise<TestPki> {
    const pki = new TestPki(mkdtempSync(join(tmpdir(), 'kouan-pki-')), clock);
    await initCa({ dir: pki.dir, clock });
    return pki;
  }

  get caPath(): string {
    return join(this.dir, 'ca.crt');
  }
  get crlPath(): string {
    return join(this.dir, 'ca.crl');
  }
  get caPem(): string {
    return readFileSync(this.caPath, 'utf8');
  }

  issue(participantId: string, country: string, options: Partial<IssueOptions> = {}, name = participantId): Credentials & { serial: string } {
    const issued = issueCertificate({ dir: this.dir, participantId, country, ips: ['127.0.0.1'], dns: ['localhost'], clock: this.clock, ...options });
    const { certPath, keyPath } = writeIssued(join(this.root, name), issued);
    return { cert: certPath, key: keyPath, serial: issued.record.serial };
  }

  paths(credentials: Credentials): TrustPaths {
    return { ca: this.caPath, crl: this.crlPath, ...credentials };
  }

  trust(credentials: Credentials): Promise<TrustStore> {
    return TrustStore.load(this.paths(credentials));
  }

  revoke(target: { serial: string } | { participantId: string }): Promise<string[]> {
    return revoke(this.dir, target, this.clock);
  }

  pem(credentials: Credentials): { cert: string; key: string } {
    return { cert: readFileSync(credentials.cert, 'utf8'), key: readFileSync(credentials.key, 'utf8') };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A participant-looking certificate that signs itself: no CA vouches for it. */
export function selfSignedParticipant(participantId: string, country: string): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '1A2B3C';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ shortName: 'C', value: country }, { shortName: 'CN', value: participantId }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 6, value: `${PARTICIPANT_URN_PREFIX}${participantId}` }] },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}
