import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { isEntrypoint, type Entrypoint } from '../policy/decision.ts';
import { PolicyEngine } from '../policy/engine.ts';
import { formatExplanation } from '../policy/explain.ts';
import { EXIT, required, type Group, type Io } from './command.ts';

async function readInput(source: string, io: Io): Promise<unknown> {
  let text: string;
  try {
    text = source === '-' ? await io.stdin() : readFileSync(source, 'utf8');
  } catch {
    throw new InputError(`cannot read ${source}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source === '-' ? 'stdin' : source} is not JSON: ${(error as Error).message}`);
  }
}

async function decide(entrypoint: Entrypoint, values: Record<string, unknown>, io: Io): Promise<number> {
  const input = await readInput(required(values, 'input'), io);
  const decision = PolicyEngine.load().evaluate(entrypoint, input);
  io.out(JSON.stringify(decision, null, 2));
  return decision.allow ? EXIT.ok : EXIT.refused;
}

/** The export decision as the decision table met it, human readable; the same exit codes as the decision. */
async function explainExport(values: Record<string, unknown>, io: Io): Promise<number> {
  const input = await readInput(required(values, 'input'), io);
  const explanation = PolicyEngine.load().explainExport(input);
  io.out(formatExplanation(explanation));
  return explanation.decision.allow ? EXIT.ok : EXIT.refused;
}

const inputHelp = { input: 'The input document: a JSON file, or - for stdin.' };

export const policy: Group = {
  name: 'policy',
  summary: 'Evaluate the compiled Rego policies (exit 0 allowed, 3 refused, 2 bad input).',
  commands: [
    {
      name: 'export-path',
      summary: 'Decide the export path of a flow and whether it may go now (policies/schemas/export-input.schema.json).',
      usage: '--input FILE|- [--explain]',
      options: { input: { type: 'string' }, explain: { type: 'boolean' } },
      help: { ...inputHelp, explain: 'Print, instead of the JSON decision, every row of the decision table in order: which matched, which decided, and the conditions that did not hold for the others.' },
      run: (values, _p, io) => (values.explain ? explainExport(values, io) : decide('kouan/export/decision', values, io)),
    },
    {
      name: 'eval',
      summary: 'Evaluate any entrypoint: kouan/export/decision, kouan/contract/decision, kouan/gateway/decision.',
      usage: '--entrypoint NAME --input FILE|-',
      options: { entrypoint: { type: 'string' }, input: { type: 'string' } },
      help: { entrypoint: 'The entrypoint to evaluate.', ...inputHelp },
      run: (values, _p, io) => {
        const entrypoint = required(values, 'entrypoint');
        if (!isEntrypoint(entrypoint)) throw new InputError(`unknown entrypoint '${entrypoint}'`);
        return decide(entrypoint, values, io);
      },
    },
  ],
};
