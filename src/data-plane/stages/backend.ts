/**
 * What the gateway sends the dataset backend and what it takes back: the gateway, not the consumer, decides the
 * representation. The backend gets the gateway's own headers only (an Accept for the asset's declared format,
 * identity encoding, the provider's configured backend headers), the asset's own query joined by the consumer's
 * parameters the asset names as allowed, and nothing else of the consumer's request. Its answer is taken only
 * in the declared format and unencoded, so that every record is seen, counted and transformed as declared.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Asset, DataFormat } from '../../control-plane/model.ts';
import type { StopMarker } from '../codecs.ts';

/** The media types a backend may answer for each declared format (the first is what the gateway asks for). */
export const MEDIA_TYPES: Readonly<Record<DataFormat, readonly string[]>> = {
  ndjson: ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'],
  json: ['application/json'],
  csv: ['text/csv'],
};

/** Backend headers a provider may not configure: they are the gateway's to set. */
const GATEWAY_HEADERS = new Set(['accept', 'accept-encoding', 'host', 'content-length', 'transfer-encoding', 'connection']);

/** The headers of the backend request: the gateway's own and the provider's configured ones, nothing of the consumer's. */
export function backendHeaders(asset: Asset, host: string): Record<string, string> {
  const configured = Object.fromEntries(Object.entries(asset.backend.headers ?? {}).filter(([name]) => !GATEWAY_HEADERS.has(name.toLowerCase())));
  return { ...configured, host, accept: MEDIA_TYPES[asset.backend.format][0]!, 'accept-encoding': 'identity', 'user-agent': 'kouan-gateway' };
}

export type QueryCheck = { ok: true; query: string } | { ok: false; marker: StopMarker };

/**
 * The query string of the backend request (without `?`): the asset's own URL query, then the consumer's
 * parameters, each of which must be one the asset allows (`backend.query`); any other refuses the request.
 */
export function backendQuery(asset: Asset, requestUrl: string): QueryCheck {
  const at = requestUrl.indexOf('?');
  const own = new URL(asset.backend.url).searchParams;
  if (at === -1 || at === requestUrl.length - 1) return { ok: true, query: own.toString() };
  const allowed = new Set(asset.backend.query ?? []);
  const asked = new URLSearchParams(requestUrl.slice(at + 1));
  const refused = [...new Set(asked.keys())].filter((name) => !allowed.has(name));
  // An allowed parameter given twice is refused too: backends read `since=a&since=b` as the first, the last or
  // a list (a filter widened to several values), so the gateway forwards one value per parameter or nothing.
  const repeated = [...new Set(asked.keys())].filter((name) => allowed.has(name) && asked.getAll(name).length > 1);
  if (repeated.length > 0) {
    return { ok: false, marker: { code: 'GATEWAY_QUERY_NOT_ALLOWED', message: `query parameters given more than once: ${repeated.slice(0, 5).map((name) => JSON.stringify(name)).join(', ')}` } };
  }
  if (refused.length > 0) {
    const names = refused.slice(0, 5).map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
    return { ok: false, marker: { code: 'GATEWAY_QUERY_NOT_ALLOWED', message: allowed.size === 0 ? `this asset takes no query parameters (asked: ${names})` : `query parameters not allowed for this asset: ${names}; allowed: ${[...allowed].join(', ')}` } };
  }
  const query = new URLSearchParams(own);
  for (const [name, value] of asked) query.append(name, value);
  return { ok: true, query: query.toString() };
}

/** Why the backend's answer cannot be forwarded (status, content type, encoding), or null when it can. */
export function checkBackendAnswer(format: DataFormat, statusCode: number, headers: IncomingHttpHeaders): StopMarker | null {
  if (statusCode !== 200) return { code: 'GATEWAY_BACKEND_FAILED', message: `the dataset backend answered ${statusCode}` };
  const encoding = String(headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return { code: 'GATEWAY_BACKEND_ENCODING', message: `the dataset backend answered with content encoding ${JSON.stringify(encoding.slice(0, 40))}; only identity is accepted` };
  const [type = '', ...parameters] = String(headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (!MEDIA_TYPES[format].includes(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    return { code: 'GATEWAY_BACKEND_CONTENT_TYPE', message: `the dataset backend answered ${JSON.stringify(String(headers['content-type'] ?? '(none)').slice(0, 80))} for a ${format} asset (${MEDIA_TYPES[format].join(', ')}, UTF-8)` };
  }
  return null;
}
