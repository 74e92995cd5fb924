/**
 * What this process already knows about data subjects, so a stream that meets the same persons again (visits,
 * samples, images of one patient) pays neither the keyed hash nor the database for them:
 * - the keyed hash of each subject id (an HMAC costs ~1.8 µs, a map hit ~0.01 µs);
 * - which hashes this process has already written under an (exporter, year, agreement, sensitivity) scope.
 *   Subject rows are only ever added during their year, so a remembered "already written" can never become
 *   wrong, also with other gateway processes on the same database; the stores are asked about the rest.
 * - each agreement's pseudonyms (another HMAC per value), shared by the streams of that agreement.
 * All are bounded and simply forgotten when full: forgetting costs a look-up or a hash, never a wrong result.
 */
import { Pseudonyms, type RecordKeys } from './obligations.ts';

/** Agreements whose pseudonyms are remembered at once, and how many pseudonyms each keeps (bounded memory). */
const PSEUDONYM_AGREEMENTS = 16;
const PSEUDONYMS_PER_AGREEMENT = 20_000;

export class SubjectMemory {
  readonly #keys: RecordKeys;
  readonly #limit: number;
  readonly #hashes = new Map<string, string>();
  readonly #written = new Map<string, Set<string>>();
  #writtenCount = 0;
  readonly #pseudonyms = new Map<string, Pseudonyms>();

  constructor(keys: RecordKeys, limit = 200_000) {
    this.#keys = keys;
    this.#limit = limit;
  }

  /** The keyed hash of a subject id (never the raw id). */
  hash(id: string): string {
    let hash = this.#hashes.get(id);
    if (hash === undefined) {
      hash = this.#keys.subjectHash(id);
      if (this.#hashes.size >= this.#limit) this.#hashes.clear();
      this.#hashes.set(id, hash);
    }
    return hash;
  }

  /** The scope subject rows are written under: counted for the exporter's year, linked to the agreement. */
  static scope(exporterId: string, year: number, agreementId: string, sensitive: boolean): string {
    return `${exporterId}\u0000${year}\u0000${agreementId}\u0000${sensitive ? 1 : 0}`;
  }

  written(scope: string, hash: string): boolean {
    return this.#written.get(scope)?.has(hash) ?? false;
  }

  /** Remembers hashes whose rows have been committed under `scope`. */
  remember(scope: string, hashes: readonly string[]): void {
    if (this.#writtenCount + hashes.length > this.#limit) {
      this.#written.clear();
      this.#writtenCount = 0;
    }
    let set = this.#written.get(scope);
    if (set === undefined) this.#written.set(scope, (set = new Set()));
    for (const hash of hashes) {
      if (set.has(hash)) continue;
      set.add(hash);
      this.#writtenCount += 1;
    }
  }

  /** The agreement's pseudonyms (keyed by RecordKeys.pseudonymKey, derived only when not remembered), shared by its streams. */
  pseudonymsFor(agreementId: string): Pseudonyms {
    let pseudonyms = this.#pseudonyms.get(agreementId);
    if (pseudonyms === undefined) {
      if (this.#pseudonyms.size >= PSEUDONYM_AGREEMENTS) this.#pseudonyms.delete(this.#pseudonyms.keys().next().value!);
      pseudonyms = new Pseudonyms(this.#keys.pseudonymKey(agreementId), PSEUDONYMS_PER_AGREEMENT);
      this.#pseudonyms.set(agreementId, pseudonyms);
    }
    return pseudonyms;
  }
}
