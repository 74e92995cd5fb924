/**
 * The DSP conformance kit's per-id scripts (docs/tck.md §7 "The scripts as data", in scripts.json) as the
 * connector's ProtocolScript: what it does on its own after each event of a negotiation (keyed by dataset id)
 * or a transfer (keyed by agreement id). An id or an event the scripts do not name waits for the kit ("answer
 * correctly and wait"): in this profile nothing is accepted, agreed, verified or started unless scripted.
 * Scripted steps still run the real processors: 'agree' and 'start' are decided by the contract and export
 * policies, which may terminate instead.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { parseConfig } from '../../core/config.ts';
import type { NegotiationEvent, NegotiationStep, TransferEvent, TransferStep } from '../model.ts';
import type { ProtocolScript } from '../plan.ts';

const oneOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const stepsOf = (step: TSchema) => Type.Union([step, Type.Array(step)]);
const byEvent = (events: readonly string[], step: TSchema) => Type.Object(Object.fromEntries(events.map((e) => [e, Type.Optional(stepsOf(step))])), { additionalProperties: false });

const ProviderStep = oneOf(['offer', 'agree', 'finalize', 'terminate'] as const);
const ConsumerStep = oneOf(['accept', 'counterRequest', 'verify', 'terminate'] as const);
const TransferStepSchema = oneOf(['start', 'suspend', 'complete', 'terminate'] as const);

const ScriptsSchema = Type.Object(
  {
    'negotiation.provider': Type.Record(Type.String(), byEvent(['requested', 'counterRequested', 'accepted', 'verified'], ProviderStep)),
    'negotiation.consumer': Type.Record(Type.String(), byEvent(['requested', 'offered', 'agreed'], ConsumerStep)),
    /** A provider's transfer steps all follow the request. */
    'transfer.provider': Type.Record(Type.String(), Type.Array(TransferStepSchema)),
    'transfer.consumer': Type.Record(Type.String(), byEvent(['requested', 'started'], TransferStepSchema)),
  },
  { additionalProperties: false },
);
type Scripts = Static<typeof ScriptsSchema>;
type ByEvent<E extends string, S> = Partial<Record<E, S | S[]>>;

export const SCRIPTS_FILE = new URL('./scripts.json', import.meta.url);

/**
 * The kit registers what it expects next just before or just after the message that triggers it, so a step
 * waits a little after the kit's message it answers, and about a second after our own previous step.
 */
export const CONFORMANCE_PAUSE_MS = { answer: 300, followUp: 1000 };

const list = <S>(value: S | S[] | undefined): S[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function loadScripts(file: URL | string = SCRIPTS_FILE): Scripts {
  return parseConfig(ScriptsSchema, JSON.parse(readFileSync(file, 'utf8')), String(file));
}

export function conformanceScript(scripts: Scripts = loadScripts(), pauseMs = CONFORMANCE_PAUSE_MS): ProtocolScript {
  return {
    negotiation: (n, event) => list((scripts[`negotiation.${n.role}`][n.offer.assetId] as ByEvent<NegotiationEvent, NegotiationStep> | undefined)?.[event]),
    transfer: (t, event) =>
      t.role === 'provider'
        ? (event === 'requested' ? (scripts['transfer.provider'][t.agreementId] ?? []) : [])
        : list((scripts['transfer.consumer'][t.agreementId] as ByEvent<TransferEvent, TransferStep> | undefined)?.[event]),
    pauseMs,
  };
}
