/** One attempt's outcome as the consumer sees it: the records it got and the code it was stopped or refused with. */
import { parseBody, type Received, type Row } from './consumer.ts';

export interface Outcome {
  status: number;
  rows: Row[];
  /** The in-band marker's code (status 200) or the refusal's code (any other status); null for a complete stream. */
  code: string | null;
}

export function outcome(received: Received, format: 'ndjson' | 'json' | 'csv' = 'ndjson'): Outcome {
  if (received.status !== 200) {
    let code: string | null = null;
    try {
      code = (JSON.parse(received.text) as { code?: string }).code ?? null;
    } catch {
      code = `unreadable refusal: ${received.text.slice(0, 80)}`;
    }
    return { status: received.status, rows: [], code };
  }
  const { rows, marker } = parseBody(format, received.text);
  return { status: 200, rows, code: marker?.code ?? null };
}

/** Sums the records of several outcomes. */
export const allRows = (outcomes: Outcome[]): Row[] => outcomes.flatMap((o) => o.rows);
