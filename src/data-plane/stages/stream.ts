/**
 * The stream stage: the backend's answer, checked (status, declared content type, no encoding), goes to the
 * consumer through the pass-through stage (NDJSON with nothing to change or count per person) or the record
 * enforcer (every other case), both of which reserve their budgets before data leaves. The stream is watched
 * while it runs (./watch.ts), and ends with one usage record of what was sent (./evidence.ts).
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyedLock } from '../../core/keyed-lock.ts';
import type { UsageStore } from '../../storage/ports.ts';
import { codecs, type StopMarker } from '../codecs.ts';
import { Enforcer } from '../enforcer.ts';
import { rulesFrom } from '../obligations.ts';
import { NdjsonPassThrough } from '../passthrough.ts';
import type { SubjectMemory } from '../subject-memory.ts';
import { checkBackendAnswer } from './backend.ts';
import type { Grant } from './authorize.ts';
import type { Evidence } from './evidence.ts';
import type { StreamWatch } from './watch.ts';

export interface StreamDeps {
  usage: UsageStore;
  memory: SubjectMemory;
  lock: KeyedLock;
  watch: StreamWatch;
  evidence: Evidence;
  /** Refuses the request before anything was forwarded (a denial record and the status). */
  refuse: (request: FastifyRequest, reply: FastifyReply, status: number, marker: StopMarker, basis: string) => Promise<unknown>;
}

type BackendAnswer = { statusCode: number; headers?: IncomingMessage['headers']; stream: IncomingMessage | NodeJS.ReadableStream };

export function streamAnswer(deps: StreamDeps, request: FastifyRequest, reply: FastifyReply, grant: Grant, res: BackendAnswer): void {
  const source = res.stream as NodeJS.ReadableStream & { destroy?: () => void; headers?: IncomingMessage['headers'] };
  const format = grant.asset.backend.format;
  const refused = checkBackendAnswer(format, res.statusCode, res.headers ?? source.headers ?? {});
  if (refused) {
    source.on('error', () => undefined); // the body we drop may report its own abort
    source.destroy?.();
    void deps.refuse(request, reply, 502, refused, 'dataset backend');
    return;
  }
  const codec = codecs[format];
  const { fields } = rulesFrom(grant.decision.obligations);
  const subjectField = grant.asset.classification.pi.subjectIdField;
  const digest = createHash('sha256');
  let bytes = 0;
  const observe = (buffer: Buffer) => {
    digest.update(buffer);
    bytes += buffer.length;
  };
  /** What goes to the consumer: the pass-through stage observes its own output, the record path ends in a meter. */
  let output: NodeJS.ReadableStream & { readableEnded: boolean };
  let stage: Enforcer | NdjsonPassThrough;
  const stopWith = (marker: StopMarker) => stage.stop(marker);
  // pipe() does not forward errors: a backend that fails mid-stream ends the output with a marker, and the
  // abort of our own read when the consumer hangs up is expected, not an error.
  source.on('error', (error: Error) => {
    if (!reply.raw.destroyed) stopWith({ code: 'GATEWAY_BACKEND_FAILED', message: `the dataset backend failed mid-stream: ${error.message}` });
  });
  const streamEnded = (error: Error) => request.log.warn({ err: error }, 'stream ended early');
  let parser: (NodeJS.ReadWriteStream & { destroy(): void }) | null = null;
  if (format === 'ndjson' && !subjectField && fields.drop.length + fields.mask.length + fields.pseudonymise.length === 0) {
    // Nothing to change in a record and no person to count: the bytes go as they are, each line parsed and counted.
    stage = new NdjsonPassThrough({ take: (want) => grant.budget.take('records', want), count: (records) => deps.usage.addRecords(grant.agreement.id, records), observe });
    source.pipe(stage);
    stage.on('error', streamEnded);
    output = stage;
  } else {
    stage = new Enforcer({
      fields, budget: grant.budget, subjectField,
      sensitive: grant.asset.classification.pi.sensitiveSubjects > 0,
      memory: deps.memory,
      exporterId: grant.exporterId,
      year: grant.year,
      agreementId: grant.agreement.id,
      usage: deps.usage,
      lock: deps.lock,
    });
    const recordParser = codec.parser();
    parser = recordParser;
    recordParser.on('error', (error: Error) => stopWith({ code: 'GATEWAY_BACKEND_INVALID', message: `the backend sent unreadable ${format}: ${error.message}` }));
    source.pipe(recordParser).pipe(stage);
    const meter = new Transform({
      transform(chunk: Buffer | string, _enc, done) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        observe(buffer);
        done(null, buffer);
      },
    });
    pipeline(stage, codec.serializer(), meter).catch(streamEnded);
    output = meter;
  }
  const unwatch = deps.watch.add({ transferId: grant.transfer.id, serial: request.peer.serial, exp: grant.claims.exp, stop: stopWith });
  stage.onStop = () => {
    unwatch();
    if (parser) source.unpipe(parser);
    else source.unpipe(stage);
    source.destroy?.();
  };
  /** The usage record, written once: when the stream ends, or when the consumer goes away before it does. */
  let recorded = false;
  const record = (abortedBy: string | null) => {
    if (recorded) return;
    recorded = true;
    unwatch();
    const context = { transfer: grant.transfer.id, agreement: grant.agreement.id, consumer: grant.agreement.consumerId, destinationCountry: request.peer.country };
    deps.evidence.streamed(context, { bytes, sha256: digest.digest('hex'), stats: stage.stats, exportPath: grant.agreement.exportPath, abortedBy }, request.log);
  };
  output.once('end', () => record(null));
  reply.raw.once('close', () => {
    if (output.readableEnded) return;
    // The consumer went away: stop reading the backend and account for what was actually sent.
    source.destroy?.();
    parser?.destroy();
    stage.destroy();
    record('CONSUMER_ABORTED');
  });
  reply.header('content-type', codec.contentType).removeHeader('content-length').send(output);
}
