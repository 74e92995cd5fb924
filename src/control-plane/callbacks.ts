/**
 * Where a counterparty may be called back. A ContractRequestMessage or TransferRequestMessage names a
 * callbackAddress, and the provider then sends its signed agreement, its request tokens and the transfer's access
 * token there: so the address must be https:// and at an endpoint known for the participant of the caller's
 * certificate (its host, port and base path), never one of the caller's choosing. Anything else is refused with
 * DSP_CALLBACK_NOT_ALLOWED (400) before anything is stored or sent.
 */
import { KouanError } from '../core/errors.ts';

/** The DSP endpoints known for a participant: the connector's configured peers, a registry's participant directory. */
export interface PeerDirectory {
  endpoints(participantId: string): Promise<readonly string[]>;
}

/** Endpoints as configured (`peers` in the connector configuration), or set as connectors come up on one machine. */
export class StaticPeerDirectory implements PeerDirectory {
  readonly #endpoints = new Map<string, string[]>();

  constructor(peers: ReadonlyArray<{ participantId: string; dspUrl: string }> = []) {
    for (const peer of peers) this.#endpoints.set(peer.participantId, [...(this.#endpoints.get(peer.participantId) ?? []), peer.dspUrl]);
  }

  /** Replaces the endpoints known for `participantId`. */
  set(participantId: string, ...dspUrls: string[]): void {
    this.#endpoints.set(participantId, dspUrls);
  }

  async endpoints(participantId: string): Promise<readonly string[]> {
    return this.#endpoints.get(participantId) ?? [];
  }
}

/** The endpoints of every directory, in order (configured peers first). */
export const directories = (...all: PeerDirectory[]): PeerDirectory => ({
  async endpoints(participantId) {
    return (await Promise.all(all.map((d) => d.endpoints(participantId)))).flat();
  },
});

const parse = (address: string): URL | null => {
  try {
    return new URL(address);
  } catch {
    return null;
  }
};

const withinPath = (path: string, base: string): boolean => {
  const root = base.replace(/\/+$/, '');
  return path.replace(/\/+$/, '') === root || path.startsWith(`${root}/`);
};

/** Whether `address` is `endpoint` or beneath it: same scheme, host and port (as the URL parser normalises them), path within its path. */
function under(address: URL, endpoint: string): boolean {
  const base = parse(endpoint);
  return base !== null && base.protocol === 'https:' && address.origin === base.origin && withinPath(address.pathname, base.pathname);
}

/**
 * The callback address `participantId` may name: https://, no credentials, query or fragment, and at one of its
 * endpoints in `directory`. DSP_CALLBACK_NOT_ALLOWED otherwise (the message says why, never what is registered).
 */
export async function allowedCallback(directory: PeerDirectory, participantId: string, address: string): Promise<string> {
  const refuse = (why: string) => new KouanError('DSP_CALLBACK_NOT_ALLOWED', `callbackAddress ${JSON.stringify(address.slice(0, 200))} ${why}`);
  const url = parse(address);
  if (!url) throw refuse('is not a URL');
  if (url.protocol !== 'https:') throw refuse('is not https://');
  if (url.username || url.password || url.search || url.hash) throw refuse('carries credentials, a query or a fragment');
  const known = await directory.endpoints(participantId);
  if (!known.some((endpoint) => under(url, endpoint))) throw refuse(`is not an endpoint registered for participant ${participantId}`);
  return address;
}
