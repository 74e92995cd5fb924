import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
type OptionHelp = Record<string, string>;

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, refused: 3 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: () => Promise<string>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  help: OptionHelp;
  run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
  /** Run when the group is given options but no command (`kouan demo --headless`). */
  defaultCommand?: string;
}

export function commandHelp(group: string, command: Command): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const flag = `--${name}${spec.type === 'string' ? ' VALUE' : ''}${spec.multiple ? ' (repeatable)' : ''}`;
    return `  ${flag.padEnd(30)} ${command.help[name] ?? ''}`;
  });
  return [`Usage: kouan ${group} ${command.name} ${command.usage}`, '', command.summary, '', 'Options:', ...rows, `  ${'--help'.padEnd(30)} Show this help.`].join('\n');
}

export function groupHelp(group: Group): string {
  const rows = group.commands.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`);
  return [`Usage: kouan ${group.name} <command> [options]`, '', group.summary, '', 'Commands:', ...rows, '', `Run 'kouan ${group.name} <command> --help' for its options.`].join('\n');
}

export function parseCommand(command: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new InputError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new InputError(`--${name} is required`);
  return value;
}
