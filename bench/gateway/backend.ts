/**
 * The dataset backend behind both proxies, run as its own process so that its CPU is not the proxies':
 *   GET /records-<n>.ndjson   n clinical records, rendered once and served with a content-length;
 *   GET /stream-<bytes>.ndjson  at least <bytes> of NDJSON produced lazily, chunk by chunk, with backpressure
 *                               (line-aligned ~64 KiB slices cycled over a 2 MB block of rendered visits; the
 *                               whole body is never held). Chunked transfer encoding, like a streaming export.
 * Prints {"port":...} on stdout once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { clinicalRecord, COHORT } from './records.ts';

const STREAM_LINES = 10_000;
const CHUNK = 64 * 1024;

const bodies = new Map<number, Buffer>();
const bodyOf = (n: number): Buffer => {
  let body = bodies.get(n);
  if (!body) {
    body = Buffer.from(Array.from({ length: n }, (_, i) => `${JSON.stringify(clinicalRecord(i))}\n`).join(''));
    bodies.set(n, body);
  }
  return body;
};

// One block of whole lines and the line-aligned cut points of ~64 KiB slices through it.
const block = bodyOf(STREAM_LINES);
const cuts: Array<{ start: number; end: number; lines: number }> = [];
for (let start = 0; start < block.length;) {
  let end = block.indexOf(10, Math.min(block.length - 1, start + CHUNK));
  end = end === -1 ? block.length : end + 1;
  let lines = 0;
  for (let i = block.indexOf(10, start); i !== -1 && i < end; i = block.indexOf(10, i + 1)) lines += 1;
  cuts.push({ start, end, lines });
  start = end;
}

function lazyNdjson(bytes: number): Readable {
  let sent = 0;
  let next = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      // read() is called again only when the consumer has taken what was pushed: that is the backpressure.
      for (;;) {
        if (sent >= bytes) {
          this.push(null);
          return;
        }
        const cut = cuts[next]!;
        next = (next + 1) % cuts.length;
        sent += cut.end - cut.start;
        if (!this.push(block.subarray(cut.start, cut.end))) return;
      }
    },
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const records = /^\/records-(\d+)\.ndjson$/.exec(url);
  if (records) {
    const body = bodyOf(Number(records[1]));
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': body.length });
    res.end(body);
    return;
  }
  const stream = /^\/stream-(\d+)\.ndjson$/.exec(url);
  if (stream) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const source = lazyNdjson(Number(stream[1]));
    source.pipe(res);
    res.once('close', () => source.destroy());
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, cohort: COHORT, streamBlockBytes: block.length, streamBlockLines: STREAM_LINES })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
