import { EventEmitter } from 'node:events';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Logger } from 'pino';
import { loadLocalIdentity, readCertificate, type LocalIdentity } from './identity.ts';
import './pki/crl.ts'; // sets the crypto provider of @peculiar/x509

export interface TrustPaths {
  /** The data-space CA certificate (PEM). */
  ca: string;
  /** The CA's current CRL (PEM); revocation is checked against it, hard fail. */
  crl: string;
  /** This participant's certificate and key. */
  cert: string;
  key: string;
}

/**
 * What this process trusts and who it is: the data-space CA, the current CRL and its own identity.
 * A new CRL is verified against the CA before it replaces the old one, then announced with 'change'
 * so that servers and clients swap their TLS contexts without a restart.
 */
export class TrustStore extends EventEmitter<{ change: []; error: [Error] }> {
  readonly paths: TrustPaths;
  readonly identity: LocalIdentity;
  readonly caPem: string;
  /** The data-space CA certificate, for classifying refused chains. */
  readonly caCertificate: X509Certificate;
  #caCert: x509.X509Certificate;
  #crlPem: string;
  /** Revoked serial → revocation time (ISO), from the CRL in force. */
  #revoked: ReadonlyMap<string, string>;
  #watcher: (() => void) | null = null;

  private constructor(paths: TrustPaths, identity: LocalIdentity, caPem: string, crlPem: string, revoked: ReadonlyMap<string, string>) {
    super();
    this.paths = paths;
    this.identity = identity;
    this.caPem = caPem;
    this.caCertificate = readCertificate(caPem);
    this.#caCert = new x509.X509Certificate(caPem);
    this.#crlPem = crlPem;
    this.#revoked = revoked;
  }

  static async load(paths: TrustPaths): Promise<TrustStore> {
    const caPem = readFileSync(paths.ca, 'utf8');
    const crlPem = readFileSync(paths.crl, 'utf8');
    const revoked = await verifiedRevokedSerials(caPem, crlPem);
    return new TrustStore(paths, loadLocalIdentity(paths.cert, paths.key), caPem, crlPem, revoked);
  }

  get crlPem(): string {
    return this.#crlPem;
  }

  /** True when the serial (upper-case hex) is on the current CRL. */
  isRevoked(serial: string): boolean {
    return this.#revoked.has(serial);
  }

  /** Every revoked serial of the CRL in force, with the time the CA revoked it. */
  get revocations(): ReadonlyMap<string, string> {
    return this.#revoked;
  }

  /** TLS options for both directions: our certificate, the CA, the CRL (OpenSSL then checks revocation, hard fail). */
  secureContextOptions(): SecureContextOptions {
    return { key: this.identity.key.export({ type: 'pkcs8', format: 'pem' }), cert: this.identity.certPem, ca: this.caPem, crl: this.#crlPem };
  }

  /** Re-reads the CRL; an unverifiable CRL is refused and the old one stays. Returns true when it changed. */
  async reloadCrl(): Promise<boolean> {
    const crlPem = readFileSync(this.paths.crl, 'utf8');
    if (crlPem === this.#crlPem) return false;
    this.#revoked = await verifiedRevokedSerials(this.caPem, crlPem, this.#caCert);
    this.#crlPem = crlPem;
    this.emit('change');
    return true;
  }

  /** Polls the CRL file and reloads it when it changes. */
  watch(intervalMs: number, log?: Logger): void {
    if (this.#watcher) return;
    this.#watcher = () => {
      this.reloadCrl().then(
        (changed) => changed && log?.info({ crl: this.paths.crl }, 'CRL reloaded'),
        (error: Error) => {
          log?.error({ err: error, crl: this.paths.crl }, 'CRL refused; the previous CRL stays in force');
          this.emit('error', error);
        },
      );
    };
    watchFile(this.paths.crl, { interval: intervalMs, persistent: false }, this.#watcher);
  }

  /** Stops watching (only this store's watcher: others may watch the same file) and drops listeners. */
  close(): void {
    if (this.#watcher) unwatchFile(this.paths.crl, this.#watcher);
    this.#watcher = null;
    this.removeAllListeners();
  }
}

async function verifiedRevokedSerials(caPem: string, crlPem: string, caCert = new x509.X509Certificate(caPem)): Promise<Map<string, string>> {
  const crl = new x509.X509Crl(crlPem);
  if (!(await crl.verify({ publicKey: caCert.publicKey }))) throw new Error('the CRL is not signed by the data-space CA');
  return new Map(crl.entries.map((entry) => [entry.serialNumber.toUpperCase(), entry.revocationDate.toISOString()]));
}
