/**
 * Running streams obey the present: a stream is allowed when it starts, and must stop as soon as that stops
 * being true. The watch looks at every running stream a few times a second: the transfer must still be STARTED
 * and its agreement in force (read from the store, once per transfer and look, so a termination or suspension
 * written by any process is seen), the consumer's certificate must not be on the CRL in force, and the access
 * token must not have expired. A stream that fails any of these is stopped in band with the reason's code; one
 * whose terms cannot be read for longer than UNREADABLE_GRACE_MS is stopped too (GATEWAY_STATE_UNAVAILABLE).
 */
import type { Clock } from '../../core/clock.ts';
import type { TransferTermsStore } from '../../storage/ports.ts';
import type { TrustStore } from '../../trust/trust-store.ts';
import type { StopMarker } from '../codecs.ts';

export interface WatchedStream {
  transferId: string;
  /** The consumer certificate's serial (checked against the CRL in force). */
  serial: string;
  /** The access token's expiry, in seconds since the epoch. */
  exp: number;
  stop(marker: StopMarker): void;
}

/** How often running streams are looked at: a change is acted on within this (plus one store read). */
export const WATCH_INTERVAL_MS = 250;
/** How long a running stream goes on while its terms cannot be read (a database hiccup) before it is cut. */
export const UNREADABLE_GRACE_MS = 1000;

export class StreamWatch {
  readonly #streams = new Set<WatchedStream>();
  readonly #terms: TransferTermsStore;
  readonly #trust: TrustStore;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #looking = false;
  /** Transfers whose terms could not be read, since when. */
  readonly #unreadSince = new Map<string, number>();

  constructor(deps: { terms: TransferTermsStore; trust: TrustStore; clock: Clock; intervalMs?: number; onError: (error: unknown) => void }) {
    this.#terms = deps.terms;
    this.#trust = deps.trust;
    this.#clock = deps.clock;
    this.#intervalMs = deps.intervalMs ?? WATCH_INTERVAL_MS;
    this.#onError = deps.onError;
  }

  /** Watches a stream until the returned function is called. */
  add(stream: WatchedStream): () => void {
    this.#streams.add(stream);
    this.#timer ??= setInterval(() => void this.look(), this.#intervalMs).unref();
    return () => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0) this.close();
    };
  }

  get size(): number {
    return this.#streams.size;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look at every running stream (also called directly by tests that step time). */
  async look(): Promise<void> {
    if (this.#looking || this.#streams.size === 0) return;
    this.#looking = true;
    try {
      const now = this.#clock.now().getTime();
      const byTransfer = new Map<string, WatchedStream[]>();
      for (const stream of this.#streams) {
        const marker = this.#trust.isRevoked(stream.serial)
          ? { code: 'TLS_CERT_REVOKED', message: 'the consumer\'s certificate was revoked while the stream ran' }
          : stream.exp * 1000 <= now ? { code: 'TOKEN_EXPIRED', message: 'the access token expired while the stream ran; refresh it and pull again' } : null;
        if (marker) this.#end(stream, marker);
        else byTransfer.set(stream.transferId, [...(byTransfer.get(stream.transferId) ?? []), stream]);
      }
      await Promise.all([...byTransfer].map(async ([transferId, streams]) => {
        let terms: Awaited<ReturnType<TransferTermsStore['get']>>;
        try {
          terms = await this.#terms.get(transferId);
        } catch (error) {
          // Deny when in doubt: a stream whose grant cannot be read again for longer than the grace is cut.
          this.#onError(error);
          const since = this.#unreadSince.get(transferId) ?? now;
          this.#unreadSince.set(transferId, since);
          if (now - since >= UNREADABLE_GRACE_MS) {
            for (const stream of streams) this.#end(stream, { code: 'GATEWAY_STATE_UNAVAILABLE', message: 'the transfer\'s terms could not be read while the stream ran' });
          }
          return;
        }
        this.#unreadSince.delete(transferId);
        const marker = terminated(terms, now);
        if (marker) for (const stream of streams) this.#end(stream, marker);
      }));
      for (const transferId of this.#unreadSince.keys()) if (!byTransfer.has(transferId)) this.#unreadSince.delete(transferId);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#looking = false;
    }
  }

  #end(stream: WatchedStream, marker: StopMarker): void {
    this.#streams.delete(stream);
    stream.stop(marker);
  }
}

/** Why a transfer may no longer stream (as stored now), or null. */
function terminated(terms: Awaited<ReturnType<TransferTermsStore['get']>>, now: number): StopMarker | null {
  if (!terms || !terms.agreement) return { code: 'GATEWAY_UNKNOWN_TRANSFER', message: 'the transfer or its agreement is no longer stored' };
  // The same codes kouan/gateway gives a new request in that state.
  if (terms.transfer.state === 'SUSPENDED') return { code: 'GATEWAY_TRANSFER_SUSPENDED', message: 'the transfer was suspended while the stream ran' };
  if (terms.transfer.state !== 'STARTED') return { code: 'GATEWAY_TRANSFER_NOT_ACTIVE', message: `the transfer became ${terms.transfer.state} while the stream ran` };
  if (terms.agreement.state !== 'ACTIVE') return { code: 'GATEWAY_AGREEMENT_NOT_ACTIVE', message: 'the agreement was terminated while the stream ran' };
  if (Date.parse(terms.agreement.end) <= now) return { code: 'GATEWAY_AGREEMENT_EXPIRED', message: 'the agreement\'s period ended while the stream ran' };
  return null;
}
