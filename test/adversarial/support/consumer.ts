/**
 * The attacker's side of a pull: a GET through the provider's gateway with whatever headers, query and path the
 * attacker chooses, read as it arrives (with the time the error marker came), and what it received, counted
 * from the bytes themselves.
 */
import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsv } from 'csv-parse/sync';
import { request } from 'undici';
import type { EndpointDataReference } from '../../../src/data-plane/pull.ts';
import type { PeerClient } from '../../../src/trust/client.ts';

export interface Attempt {
  /** Extra or replacing request headers (the access token is always sent unless `token` is given). */
  headers?: Record<string, string>;
  /** Appended to the endpoint as is: `?format=json`, `/anything?x=1`. */
  suffix?: string;
  /** Another gateway of the same provider (its base URL, e.g. https://127.0.0.1:4711). */
  gateway?: string;
  token?: string;
  /** Gives up reading after this long (a stream the gateway failed to cut); the answer says it was abandoned. */
  deadlineMs?: number;
  /** Called with the count of bytes received so far, after each chunk. */
  onChunk?: (received: Received) => void;
}

export interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Date.now() when the error marker (NDJSON/JSON `kouan:error`, CSV `# kouan:error`) first arrived, or null. */
  markerAt: number | null;
  /** The read was given up at the deadline (the gateway did not end the stream). */
  abandoned: boolean;
}

/** Pulls through the gateway as the attacker chooses; never throws for an HTTP status. */
export async function attack(peers: PeerClient, providerId: string, edr: EndpointDataReference, attempt: Attempt = {}): Promise<Received> {
  const endpoint = new URL(edr.endpoint);
  const base = attempt.gateway ?? endpoint.origin;
  const url = `${base}${endpoint.pathname}${attempt.suffix ?? ''}`;
  const controller = new AbortController();
  const timer = attempt.deadlineMs ? setTimeout(() => controller.abort(), attempt.deadlineMs) : null;
  const received: Received = { status: 0, headers: {}, text: '', markerAt: null, abandoned: false };
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${attempt.token ?? edr.token}`, ...attempt.headers },
      dispatcher: peers.agentFor(providerId),
      signal: controller.signal,
    });
    received.status = response.statusCode;
    received.headers = response.headers;
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of response.body) {
        received.text += decoder.write(chunk as Buffer);
        if (received.markerAt === null && received.text.includes('kouan:error')) received.markerAt = Date.now();
        attempt.onChunk?.(received);
      }
      received.text += decoder.end();
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      received.abandoned = true;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    received.abandoned = true;
  } finally {
    if (timer) clearTimeout(timer);
  }
  return received;
}

export type Row = Record<string, unknown>;

export interface Marker {
  code: string;
  message?: string;
}

export interface Parsed {
  rows: Row[];
  marker: Marker | null;
}

const markerOf = (value: unknown): Marker | null =>
  value !== null && typeof value === 'object' && 'kouan:error' in value ? ((value as Record<string, unknown>)['kouan:error'] as Marker) : null;

/**
 * The records and the error marker in a body of the given format, as a careful consumer reads them: NDJSON
 * lines, a JSON array whose last element may be the marker, or CSV rows followed by a `# kouan:error` line.
 * Anything unreadable throws (a gateway must never send it).
 */
export function parseBody(format: 'ndjson' | 'json' | 'csv', text: string): Parsed {
  if (format === 'ndjson') {
    const values = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    const marker = values.length ? markerOf(values.at(-1)) : null;
    const rows = (marker ? values.slice(0, -1) : values) as Row[];
    if (rows.some((r) => markerOf(r) || r === null || typeof r !== 'object' || Array.isArray(r))) throw new Error('an NDJSON line that is not a record, or a marker before the end');
    return { rows, marker };
  }
  if (format === 'json') {
    const values = JSON.parse(text) as unknown;
    if (!Array.isArray(values)) throw new Error(`a JSON body that is not an array: ${text.slice(0, 80)}`);
    const marker = values.length ? markerOf(values.at(-1)) : null;
    const rows = (marker ? values.slice(0, -1) : values) as Row[];
    if (rows.some((r) => markerOf(r))) throw new Error('a marker before the end of the array');
    return { rows, marker };
  }
  const lines = text.split('\n');
  const comment = lines.findIndex((l) => l.startsWith('# kouan:error'));
  const marker = comment < 0 ? null : { code: /^# kouan:error ([A-Z0-9_]+)/.exec(lines[comment]!)![1]! };
  if (comment >= 0 && lines.slice(comment + 1).some((l) => l.trim() !== '')) throw new Error('CSV data after the error marker');
  const data = comment < 0 ? text : lines.slice(0, comment).join('\n');
  return { rows: parseCsv(data, { columns: true, skip_empty_lines: true }) as Row[], marker };
}

/** The value at a JSON Pointer (or a top-level key). */
export function at(row: Row, field: string): unknown {
  if (!field.startsWith('/')) return row[field];
  let value: unknown = row;
  for (const segment of field.slice(1).split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Distinct persons among the rows, identified by the field at `pointer` (rows without one are no person). */
export function persons(rows: Row[], pointer: string): number {
  return new Set(rows.map((r) => at(r, pointer)).filter((v) => v !== undefined && v !== null).map(String)).size;
}
