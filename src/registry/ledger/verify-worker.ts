/**
 * A worker thread of `kouan ledger verify --signatures`: checks the receipts and the record signatures of the pages
 * of entries it is sent and answers each page with the failures it found (see checks.ts).
 */
import { X509Certificate } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { LedgerEntry } from '../model.ts';
import { checkReceipt, checkRecordSignature, keysFromTransfer, usableCertificates, type Failure, type KeyTransfer, type RegisteredCertificate } from './checks.ts';

export interface WorkerSetup {
  keys: KeyTransfer;
  participants: Array<[string, RegisteredCertificate[]]>;
  caPem: string;
  receipts: boolean;
  signatures: boolean;
}

const setup = workerData as WorkerSetup;
const keys = keysFromTransfer(setup.keys);
const ca = new X509Certificate(setup.caPem);
const certificates = new Map(setup.participants.map(([id, registered]) => [id, usableCertificates(id, registered, ca)]));

parentPort!.on('message', (page: LedgerEntry[]) => {
  const failures: Failure[] = [];
  for (const entry of page) {
    const receipt = setup.receipts ? checkReceipt(entry, keys) : null;
    if (receipt) failures.push(receipt);
    const signature = setup.signatures ? checkRecordSignature(entry, certificates) : null;
    if (signature) failures.push(signature);
  }
  parentPort!.postMessage({ failures, checked: page.length });
});
