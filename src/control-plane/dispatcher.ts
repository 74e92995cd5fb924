import { request } from 'undici';
import { KouanError } from '../core/errors.ts';
import type { PeerClient } from '../trust/client.ts';
import type { DspMessage } from './dsp/jsonld.ts';
import type { Counterparty } from './model.ts';

export interface DispatchResult {
  status: number;
  body: unknown;
}

/** The counterparty's answer when it is a 2xx; otherwise DSP_COUNTERPARTY_REFUSED with its status and body, for the manager to retry. */
export function accepted(r: DispatchResult, what: string): DispatchResult {
  if (r.status >= 200 && r.status < 300) return r;
  const detail = typeof r.body === 'object' && r.body ? JSON.stringify(r.body).slice(0, 500) : String(r.body).slice(0, 200);
  throw new KouanError('DSP_COUNTERPARTY_REFUSED', `${what}: HTTP ${r.status} ${detail}`);
}

/**
 * The counterparty's answer to our step's message, accepted; or, when it refused (4xx), whether the message had
 * already been delivered before a crash kept us from recording that: the counterparty's process (GET `processPath`)
 * is then where our message takes it, or further (`reached`, as DSP reports states), and a resend is refused as out
 * of order. Returns the counterparty's state when that is how the delivery was established, null when it accepted.
 */
export async function deliveredOrAccepted(dispatcher: Dispatcher, r: DispatchResult, to: Counterparty, processPath: string, reached: readonly string[], what: string): Promise<string | null> {
  if (r.status >= 400 && r.status < 500) {
    const seen = await dispatcher.get(to, processPath).catch(() => null);
    const state = String((seen?.body as { state?: unknown } | null)?.state ?? '').replace(/^dspace:/, '');
    if (seen?.status === 200 && reached.includes(state)) return state;
  }
  accepted(r, what);
  return null;
}

/** Sends DSP messages to a counterparty's protocol endpoint. */
export interface Dispatcher {
  send(to: Counterparty, path: string, message: DspMessage): Promise<DispatchResult>;
  get(to: Counterparty, path: string): Promise<DispatchResult>;
}

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;

/**
 * Production: mutual TLS to the participant named in the counterparty, a fresh bound token per call. An address
 * that is not https:// (one recorded before callbacks were checked, or given on the management API) is refused
 * before anything is sent: the client would otherwise speak plain HTTP to it, token included.
 */
export class MtlsDispatcher implements Dispatcher {
  readonly #client: PeerClient;
  constructor(client: PeerClient) {
    this.#client = client;
  }
  async send(to: Counterparty, path: string, message: DspMessage): Promise<DispatchResult> {
    const r = await this.#client.request(peerAt(to), { method: 'POST', path: join('', path), body: message });
    return { status: r.status, body: r.body };
  }
  async get(to: Counterparty, path: string): Promise<DispatchResult> {
    const r = await this.#client.request(peerAt(to), { method: 'GET', path: join('', path) });
    return { status: r.status, body: r.body };
  }
}

function peerAt(to: Counterparty): { participantId: string; baseUrl: string } {
  if (!/^https:\/\//i.test(to.address)) throw new KouanError('DSP_ADDRESS_NOT_HTTPS', `${to.participantId} is at ${JSON.stringify(to.address.slice(0, 200))}, not an https:// address`);
  return { participantId: to.participantId, baseUrl: to.address };
}

/**
 * Conformance profile only: plain HTTP with a static Authorization header, as the DSP conformance kit
 * speaks. Never used by a production connector (the config refuses it outside the conformance profile).
 */
export class PlainHttpDispatcher implements Dispatcher {
  readonly #authorization: string;
  constructor(authorization: string) {
    this.#authorization = authorization;
  }
  async send(to: Counterparty, path: string, message: DspMessage): Promise<DispatchResult> {
    return this.#call('POST', join(to.address, path), JSON.stringify(message));
  }
  async get(to: Counterparty, path: string): Promise<DispatchResult> {
    return this.#call('GET', join(to.address, path));
  }
  async #call(method: 'GET' | 'POST', url: string, body?: string): Promise<DispatchResult> {
    const r = await request(url, { method, body: body ?? null, headers: { 'content-type': 'application/json', authorization: this.#authorization } });
    const text = await r.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: r.statusCode, body: parsed };
  }
}
