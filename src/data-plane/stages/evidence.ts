/**
 * What the gateway leaves as evidence: a denial record for every refusal (before or during a stream), and one
 * usage record per stream with exactly what was sent (bytes, records, new persons, the SHA-256 of the bytes,
 * and what stopped it). Records go through the signed, durable outbox (src/records/emitter.ts).
 */
import type { Reason } from '../../policy/decision.ts';
import type { RecordEmitter } from '../../records/emitter.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { EnforcerStats } from '../enforcer.ts';

export interface StreamContext {
  transfer: string;
  agreement: string;
  consumer: string;
  destinationCountry: string;
}

export class Evidence {
  constructor(
    private readonly records: RecordEmitter,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** A refusal before anything was forwarded. */
  async refused(peer: { participantId: string; country: string } | null, reasons: Reason[], context: Record<string, unknown>): Promise<void> {
    this.metrics.refusals.inc({ code: reasons[0]?.code ?? 'GATEWAY_REFUSED' });
    await this.records.emit('denial', { stage: 'data-plane', consumer: peer?.participantId ?? null, destinationCountry: peer?.country ?? null, reasons, ...context });
  }

  /** The end of a stream: its usage record, and a denial record when a rule (not the backend) stopped it. */
  streamed(context: StreamContext, sent: { bytes: number; sha256: string; stats: EnforcerStats; exportPath: string; abortedBy: string | null }, log: { error(details: object, message: string): void }): void {
    const { stats } = sent;
    this.metrics.bytes.inc(sent.bytes);
    this.metrics.records.inc(stats.records);
    this.records
      .emit('usage', { ...context, bytes: sent.bytes, records: stats.records, newSubjects: stats.newSubjects, newSensitiveSubjects: stats.newSensitive, sha256: sent.sha256, decision: { allow: true, exportPath: sent.exportPath, stoppedBy: stats.stopped?.code ?? sent.abortedBy } })
      .catch((error: Error) => log.error({ err: error }, 'usage record could not be stored'));
    if (stats.stopped && stats.stopped.code !== 'GATEWAY_BACKEND_INVALID' && stats.stopped.code !== 'GATEWAY_BACKEND_FAILED') {
      this.metrics.refusals.inc({ code: stats.stopped.code });
      this.records
        .emit('denial', { stage: 'data-plane-stream', ...context, reasons: [{ code: stats.stopped.code, message: stats.stopped.message, basis: basisOf(stats.stopped.code), effect: 'deny' }], recordsForwarded: stats.records })
        .catch((error: Error) => log.error({ err: error }, 'denial record could not be stored'));
    }
  }
}

/** What a stop in the stream rests on. */
function basisOf(code: string): string {
  if (code === 'GATEWAY_THRESHOLD_REACHED') return 'export path';
  if (code.startsWith('TLS_')) return 'certificate';
  if (code.startsWith('TOKEN_')) return 'access token';
  if (code === 'GATEWAY_TRANSFER_NOT_ACTIVE') return 'transfer process';
  return 'agreement';
}
