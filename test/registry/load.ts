/**
 * A load generator for the intake: writers, each with its own certificate and connection pool (real mutual TLS),
 * POST pre-signed, pre-serialised records as fast as the registry answers. Used by the concurrency test and the
 * benchmark (there in a worker thread, so that client and server do not share an event loop).
 */
import { Agent, request } from 'undici';

export interface Writer {
  cert: string;
  key: string;
  /** Registry base URL this writer sends to. */
  url: string;
  /** JSON bodies, each a complete intake request. */
  bodies: string[];
}

export interface LoadPlan {
  ca: string;
  writers: Writer[];
  /** Connections (and requests in flight) per writer. */
  connections: number;
  /** Keep every response body (for checking receipts); off for benchmarks. */
  keepBodies?: boolean;
  /** Send this many records per request to the batch intake (as connectors deliver); unset: one per request. */
  batch?: number;
}

export interface LoadResult {
  seconds: number;
  sent: number;
  /** Records by the status of the request that carried them. */
  statuses: Record<number, number>;
  /** The response bodies in the order of each writer's bodies, when kept. */
  responses: string[][];
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const statuses: Record<number, number> = {};
  const responses = plan.writers.map(() => [] as string[]);
  const agents = plan.writers.map((w) => new Agent({ connections: plan.connections, connect: { ca: plan.ca, cert: w.cert, key: w.key, checkServerIdentity: () => undefined } }));
  // One request per connection first, so that the TLS handshakes are not timed.
  await Promise.all(plan.writers.flatMap((w, i) => Array.from({ length: plan.connections }, async () => (await request(`${w.url}/registry/v1/unknown`, { dispatcher: agents[i] })).body.dump())));
  const size = plan.batch ?? 1;
  const path = plan.batch ? 'intake/v1/batches' : 'intake/v1/records';
  // The request bodies, serialised before the clock starts.
  const requests = plan.writers.map((w) => {
    if (!plan.batch) return w.bodies;
    const out: string[] = [];
    for (let at = 0; at < w.bodies.length; at += size) out.push(`{"records":[${w.bodies.slice(at, at + size).join(',')}]}`);
    return out;
  });
  const started = performance.now();
  await Promise.all(
    plan.writers.flatMap((writer, i) => {
      let next = 0;
      const mine = requests[i]!;
      const send = async (): Promise<void> => {
        for (let index = next++; index < mine.length; index = next++) {
          const response = await request(`${writer.url}/${path}`, { method: 'POST', dispatcher: agents[i], headers: { 'content-type': 'application/json' }, body: mine[index] });
          const text = await response.body.text();
          const carried = Math.min(size, writer.bodies.length - index * size);
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + carried;
          if (plan.keepBodies) responses[i]![index] = text;
        }
      };
      return Array.from({ length: plan.connections }, send);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(agents.map((a) => a.close()));
  return { seconds, sent: plan.writers.reduce((n, w) => n + w.bodies.length, 0), statuses, responses };
}
