/**
 * A dataset backend that negotiates content the way ordinary HTTP services do, so that a gateway which forwards
 * what the consumer asked for would be caught: NDJSON by default, `{"data":[...]}` (or a bare array) on
 * `Accept: application/json` or `?format=json`, CSV on `Accept: text/csv`, gzip on `Accept-Encoding: gzip`.
 * It keeps every request it received (URL and headers), so a test can assert what reached it.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';

export type Row = Record<string, unknown>;

export interface Dataset {
  /** The records of the n-th request to this path (n from 0): a dataset may serve new persons on every request. */
  rows: (n: number) => Row[];
  /** Records written per second, one line at a time (NDJSON only); all at once when absent. */
  perSecond?: number;
  /** The JSON representation: `{"data":[...]}` (default) or a bare array. */
  json?: 'envelope' | 'array';
  /** A misconfigured or compromised backend: answers JSON, or gzip, whatever it was asked. */
  misbehave?: 'json' | 'gzip';
  /** The NDJSON body as written, line by line (for lines that are not records); replaces `rows` for NDJSON. */
  ndjson?: string;
}

export interface SeenRequest {
  method: string;
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
}

type Representation = 'ndjson' | 'json' | 'csv';

const CONTENT_TYPES: Record<Representation, string> = { ndjson: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' };

function chosen(url: URL, headers: IncomingHttpHeaders, dataset: Dataset): Representation {
  if (dataset.misbehave === 'json') return 'json';
  const accept = String(headers.accept ?? '');
  const asked = url.searchParams.get('format');
  if (asked === 'json' || asked === 'csv') return asked;
  if (accept.includes('application/json')) return 'json';
  if (accept.includes('text/csv')) return 'csv';
  return 'ndjson';
}

function render(rows: Row[], as: Representation, dataset: Dataset): string {
  if (as === 'json') return JSON.stringify(dataset.json === 'array' ? rows : { data: rows });
  if (as === 'csv') return stringify(rows, { header: true });
  return dataset.ndjson ?? rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export class PatientBackend {
  readonly requests: SeenRequest[] = [];
  readonly #datasets = new Map<string, Dataset>();
  readonly #served = new Map<string, number>();
  readonly #server: Server;
  /** Streams still being written (slow datasets): closed by the consumer's or the gateway's hang-up. */
  readonly open = new Set<ServerResponse>();

  constructor() {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://backend');
      this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', path: url.pathname, headers: { ...req.headers } });
      const dataset = this.#datasets.get(url.pathname);
      if (!dataset) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such dataset"}');
        return;
      }
      const n = this.#served.get(url.pathname) ?? 0;
      this.#served.set(url.pathname, n + 1);
      const rows = dataset.rows(n);
      const as = chosen(url, req.headers, dataset);
      const gzip = dataset.misbehave === 'gzip' || /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, { 'content-type': CONTENT_TYPES[as], ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      const out = gzip ? createGzip() : res;
      if (gzip) out.pipe(res);
      if (!dataset.perSecond || as !== 'ndjson') {
        out.end(render(rows, as, dataset));
        return;
      }
      this.open.add(res);
      let i = 0;
      const timer = setInterval(() => {
        if (i >= rows.length) {
          clearInterval(timer);
          out.end();
          return;
        }
        out.write(`${JSON.stringify(rows[i++])}\n`);
        if (gzip) (out as ReturnType<typeof createGzip>).flush();
      }, 1000 / dataset.perSecond);
      res.once('close', () => {
        clearInterval(timer);
        this.open.delete(res);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Serves `dataset` at `path` (e.g. `/visits`); returns the URL an asset's backend names. */
  serve(path: string, dataset: Dataset): string {
    this.#datasets.set(path, dataset);
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  /** The requests that reached one dataset path. */
  requestsTo(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }
}
