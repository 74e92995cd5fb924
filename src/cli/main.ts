import { readFileSync } from 'node:fs';
import { KouanError } from '../core/errors.ts';
import { EXIT, commandHelp, groupHelp, parseCommand, type Group, type Io } from './command.ts';
import { pki } from './pki.ts';
import { policy } from './policy.ts';
import { connector } from './connector.ts';
import { transfer } from './transfer.ts';
import { demo } from './demo.ts';
import { ledger, registry } from './registry.ts';

const groups: Group[] = [pki, policy, connector, registry, ledger, transfer, demo];

const usage = (): string =>
  ['Usage: kouan <group> <command> [options]   (kouan --version: the version)', '', 'Kouan: trusted data space connector and policy gateway.', '', 'Groups:', ...groups.map((g) => `  ${g.name.padEnd(12)} ${g.summary}`), '', "Run 'kouan <group> --help' for its commands."].join('\n');

/** The version in the package this command runs from. */
const version = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: readStdin,
};

/** Runs one CLI invocation and returns its exit code; bad input is a one-line reason and exit 2. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [groupName, commandName, ...rest] = argv;
  if (!groupName || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    io.out(usage());
    return groupName ? EXIT.ok : EXIT.badInput;
  }
  if (groupName === '--version' || groupName === '-V') {
    io.out(`kouan ${version()}`);
    return EXIT.ok;
  }
  const group = groups.find((g) => g.name === groupName);
  if (!group) {
    io.err(`kouan: unknown group '${groupName}' (see kouan --help)`);
    return EXIT.badInput;
  }
  if (group.defaultCommand && (!commandName || (commandName.startsWith('--') && commandName !== '--help'))) {
    return main([groupName, group.defaultCommand, ...(commandName ? [commandName] : []), ...rest], io);
  }
  if (!commandName || commandName === '--help' || commandName === '-h') {
    io.out(groupHelp(group));
    return commandName ? EXIT.ok : EXIT.badInput;
  }
  const command = group.commands.find((c) => c.name === commandName);
  if (!command) {
    io.err(`kouan: unknown command '${group.name} ${commandName}' (see kouan ${group.name} --help)`);
    return EXIT.badInput;
  }
  try {
    const { values, positionals } = parseCommand(command, rest);
    if (values.help) {
      io.out(commandHelp(group.name, command));
      return EXIT.ok;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof KouanError && error.status < 500) {
      io.err(`kouan: ${error.message} [${error.code}]`);
      return EXIT.badInput;
    }
    io.err(`kouan: ${(error as Error).message}`);
    return EXIT.failed;
  }
}
