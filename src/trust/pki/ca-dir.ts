import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../../core/files.ts';
import { join } from 'node:path';
import { PkiError } from '../../core/errors.ts';

/** One line of the CA's record of what it issued. */
export interface IssuedCertificate {
  serial: string;
  participantId: string;
  country: string;
  notBefore: string;
  notAfter: string;
  issuedAt: string;
  revokedAt: string | null;
}

/** The files of a data-space CA directory: ca.crt, ca.key (0600), ca.crl, its crlnumber and the index of issued certificates. */
export class CaDirectory {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  get certPath(): string {
    return join(this.dir, 'ca.crt');
  }
  get keyPath(): string {
    return join(this.dir, 'ca.key');
  }
  get crlPath(): string {
    return join(this.dir, 'ca.crl');
  }
  /** The number of the last CRL this CA signed (decimal), so that each new CRL's number is higher. */
  get crlNumberPath(): string {
    return join(this.dir, 'crlnumber');
  }
  get indexPath(): string {
    return join(this.dir, 'issued.json');
  }

  exists(): boolean {
    return existsSync(this.certPath) || existsSync(this.keyPath);
  }

  /** The CA's certificate (PEM) and private key; PKI_CA_MISSING when this folder holds no CA. */
  requireCa(): { certPem: string; key: KeyObject } {
    if (!existsSync(this.certPath) || !existsSync(this.keyPath)) {
      throw new PkiError('PKI_CA_MISSING', `no CA in ${this.dir} (run: kouan pki init --dir ${this.dir})`);
    }
    return { certPem: readFileSync(this.certPath, 'utf8'), key: createPrivateKey(readFileSync(this.keyPath)) };
  }

  readIndex(): IssuedCertificate[] {
    if (!existsSync(this.indexPath)) return [];
    return (JSON.parse(readFileSync(this.indexPath, 'utf8')) as { certificates: IssuedCertificate[] }).certificates;
  }

  writeIndex(certificates: IssuedCertificate[]): void {
    writeAtomic(this.indexPath, `${JSON.stringify({ certificates }, null, 2)}\n`);
  }

  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }
}
