import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Logger } from 'pino';
import { CrlRefusedError } from '../core/errors.ts';
import { writeAtomic } from '../core/files.ts';
import { replaces, verifiedCrl, type VerifiedCrl } from './crl-in-force.ts';
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
  /**
   * Where this process keeps a copy of the CRL in force (in its own state folder), so that after a restart an
   * older CRL in `crl` does not replace a newer one it accepted before. Without it, CRLs only move forward while
   * the process runs.
   */
  crlKept?: string;
}

/**
 * What this process trusts and who it is: the data-space CA, the current CRL and its own identity.
 * A new CRL is verified against the CA and must be newer than the one in force (crl-in-force.ts) before it
 * replaces it, then announced with 'change' so that servers and clients swap their TLS contexts without a restart.
 * A refused CRL changes nothing: revocation is always checked against the newest CRL accepted.
 */
export class TrustStore extends EventEmitter<{ change: []; error: [Error] }> {
  readonly paths: TrustPaths;
  readonly identity: LocalIdentity;
  readonly caPem: string;
  /** The data-space CA certificate, for classifying refused chains. */
  readonly caCertificate: X509Certificate;
  #caCert: x509.X509Certificate;
  #crl: VerifiedCrl;
  #reloads: Promise<unknown> = Promise.resolve();
  #watcher: (() => void) | null = null;

  private constructor(paths: TrustPaths, identity: LocalIdentity, caPem: string, caCert: x509.X509Certificate, crl: VerifiedCrl) {
    super();
    this.paths = paths;
    this.identity = identity;
    this.caPem = caPem;
    this.caCertificate = readCertificate(caPem);
    this.#caCert = caCert;
    this.#crl = crl;
  }

  /**
   * Loads the CA, the CRL and this participant's identity. With `crlKept`, the kept copy is read too and the newer
   * of the two is in force (an unverifiable kept copy is ignored); watch() then reports a CRL file older than it.
   */
  static async load(paths: TrustPaths): Promise<TrustStore> {
    const caPem = readFileSync(paths.ca, 'utf8');
    const caCert = new x509.X509Certificate(caPem);
    const fromFile = await verifiedCrl(caCert, readFileSync(paths.crl, 'utf8'));
    const kept = paths.crlKept && existsSync(paths.crlKept) ? await verifiedCrl(caCert, readFileSync(paths.crlKept, 'utf8')).catch(() => null) : null;
    let inForce = fromFile;
    if (kept) {
      try {
        replaces(kept, fromFile);
      } catch (error) {
        if (!(error instanceof CrlRefusedError)) throw error;
        inForce = kept;
      }
    }
    const store = new TrustStore(paths, loadLocalIdentity(paths.cert, paths.key), caPem, caCert, inForce);
    if (inForce !== kept) store.#keep();
    return store;
  }

  get crlPem(): string {
    return this.#crl.pem;
  }

  /** The CRL number of the CRL in force (null for a CRL without one). */
  /** When the CA issued the CRL in force. */
  get crlThisUpdate(): Date {
    return this.#crl.thisUpdate;
  }

  get crlNumber(): bigint | null {
    return this.#crl.number;
  }

  /** True when the serial (upper-case hex) is on the current CRL. */
  isRevoked(serial: string): boolean {
    return this.#crl.revoked.has(serial);
  }

  /** Every revoked serial of the CRL in force, with the time the CA revoked it. */
  get revocations(): ReadonlyMap<string, string> {
    return this.#crl.revoked;
  }

  /** TLS options for both directions: our certificate, the CA, the CRL (OpenSSL then checks revocation, hard fail). */
  secureContextOptions(): SecureContextOptions {
    return { key: this.identity.key.export({ type: 'pkcs8', format: 'pem' }), cert: this.identity.certPem, ca: this.caPem, crl: this.#crl.pem };
  }

  /**
   * Re-reads the CRL file. A CRL that is not signed by the CA (TLS_CRL_INVALID) or not newer than the one in force
   * (TLS_CRL_ROLLBACK) is refused and the one in force stays. Returns true when a newer CRL replaced it, false when
   * the file holds the CRL in force. Reloads run one after another, so each is judged against the latest in force.
   */
  reloadCrl(): Promise<boolean> {
    const reload = this.#reloads.then(() => this.#reload());
    this.#reloads = reload.catch(() => undefined);
    return reload;
  }

  async #reload(): Promise<boolean> {
    const pem = readFileSync(this.paths.crl, 'utf8');
    if (pem === this.#crl.pem) return false;
    const candidate = await verifiedCrl(this.#caCert, pem);
    if (!replaces(this.#crl, candidate)) return false;
    this.#crl = candidate;
    this.emit('change');
    this.#keep();
    return true;
  }

  /** Writes the CRL in force to the kept copy, when this store keeps one. */
  #keep(): void {
    if (this.paths.crlKept) writeAtomic(this.paths.crlKept, this.#crl.pem, 0o600);
  }

  /**
   * Checks the CRL file now, then polls it and reloads it when it changes. A refused CRL is logged with its code
   * (TLS_CRL_ROLLBACK at warn, anything else at error) and emitted as 'error' when someone listens.
   */
  watch(intervalMs: number, log?: Logger): void {
    if (this.#watcher) return;
    this.#watcher = () => {
      this.reloadCrl().then(
        (changed) => changed && log?.info({ crl: this.paths.crl, crlNumber: this.#crl.number?.toString() ?? null }, 'CRL reloaded'),
        (error: Error) => {
          const code = error instanceof CrlRefusedError ? error.code : undefined;
          const entry = { code, err: error, crl: this.paths.crl, crlNumber: this.#crl.number?.toString() ?? null };
          if (code === 'TLS_CRL_ROLLBACK') log?.warn(entry, 'CRL refused: not newer than the CRL in force, which stays');
          else log?.error(entry, 'CRL refused; the CRL in force stays');
          if (this.listenerCount('error') > 0) this.emit('error', error);
        },
      );
    };
    watchFile(this.paths.crl, { interval: intervalMs, persistent: false }, this.#watcher);
    this.#watcher();
  }

  /** Stops watching (only this store's watcher: others may watch the same file) and drops listeners. */
  close(): void {
    if (this.#watcher) unwatchFile(this.paths.crl, this.#watcher);
    this.#watcher = null;
    this.removeAllListeners();
  }
}
