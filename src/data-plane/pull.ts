/** The consumer side of an HTTP-PULL transfer: fetch through the provider's gateway with the access token, over mutual TLS. */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { KouanError } from '../core/errors.ts';
import type { PeerClient } from '../trust/client.ts';

export interface EndpointDataReference {
  endpoint: string;
  token: string;
}

/** Reads endpoint and token out of a DSP DataAddress (endpointProperties name/value pairs). */
export function edrOf(dataAddress: Record<string, unknown> | null): EndpointDataReference {
  const properties = (dataAddress?.endpointProperties ?? []) as Array<{ name?: string; value?: string }>;
  const token = properties.find((p) => p.name === 'authorization')?.value;
  if (typeof dataAddress?.endpoint !== 'string' || !token) throw new KouanError('DSP_INVALID_STATE', 'the transfer has no endpoint data reference yet (is it STARTED?)');
  return { endpoint: dataAddress.endpoint, token };
}

export interface PullResult {
  status: number;
  bytes: number;
  /** The gateway's in-band stop, when it ended the stream early (the marker is the last thing it wrote). */
  stopped: { code: string; message: string } | null;
}

/** How much of the end of a stream is kept to find the gateway's marker (a marker is well below this). */
const TAIL_BYTES = 8192;

/**
 * The gateway's error marker at the end of what it sent, in each format's form (src/data-plane/codecs.ts): an
 * NDJSON line or the last JSON array element `{"kouan:error":{"code":…,"message":…}}`, or a CSV comment line
 * `# kouan:error CODE: message`; null when the stream ended normally.
 */
export function stopMarkerOf(tail: string): { code: string; message: string } | null {
  const csv = /(?:^|\n)# kouan:error ([A-Z][A-Z0-9_]*): ([^\n]*)\n?$/.exec(tail);
  if (csv) return { code: csv[1]!, message: csv[2]! };
  const json = /(?:^|[\n,[])(\{"kouan:error":\{"code":"[A-Z][A-Z0-9_]*","message":(?:"(?:[^"\\]|\\.)*")\}\})\s*\]?\s*$/.exec(tail);
  if (!json) return null;
  const marker = (JSON.parse(json[1]!) as { 'kouan:error': { code: string; message: string } })['kouan:error'];
  return { code: marker.code, message: marker.message };
}

/**
 * Streams the data into `out`. A refusal (4xx) is thrown with the gateway's reason code; a stream the gateway
 * ended early carries its error marker in the data itself, exactly as the gateway wrote it, and the result says
 * which (`stopped`).
 */
export async function pull(peers: PeerClient, providerId: string, edr: EndpointDataReference, out: Writable): Promise<PullResult> {
  const response = await request(edr.endpoint, { method: 'GET', headers: { authorization: `Bearer ${edr.token}` }, dispatcher: peers.agentFor(providerId) });
  if (response.statusCode !== 200) {
    const text = await response.body.text();
    let code = 'DSP_COUNTERPARTY_REFUSED';
    try {
      code = (JSON.parse(text) as { code?: string }).code ?? code;
    } catch {
      /* not JSON */
    }
    throw Object.assign(new Error(`the gateway refused (${response.statusCode} ${code}): ${text.slice(0, 500)}`), { code, status: response.statusCode });
  }
  let bytes = 0;
  let tail = Buffer.alloc(0);
  response.body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES)) : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
  });
  await pipeline(response.body, out);
  return { status: response.statusCode, bytes, stopped: stopMarkerOf(tail.toString('utf8')) };
}

/** Exchanges the access token for a fresh one while the transfer and agreement are still in force. */
export async function refreshToken(peers: PeerClient, providerId: string, edr: EndpointDataReference): Promise<EndpointDataReference & { expiresAt: string }> {
  const url = edr.endpoint.replace(/\/transfers\/([^/]+)$/, '/tokens/$1');
  const response = await request(url, { method: 'POST', headers: { authorization: `Bearer ${edr.token}` }, dispatcher: peers.agentFor(providerId) });
  const body = (await response.body.json()) as { token?: string; expiresAt?: string; code?: string; message?: string };
  if (response.statusCode !== 200 || !body.token) throw Object.assign(new Error(`token refresh refused (${response.statusCode} ${body.code ?? ''}): ${body.message ?? ''}`), { code: body.code, status: response.statusCode });
  return { endpoint: edr.endpoint, token: body.token, expiresAt: body.expiresAt ?? '' };
}
