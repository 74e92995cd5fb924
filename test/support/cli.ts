import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const KOUAN = fileURLToPath(new URL('../../bin/kouan.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `kouan` executable, as a user would. */
export function kouan(args: string[], input?: string): CliResult {
  const result = spawnSync(process.execPath, [KOUAN, ...args], { encoding: 'utf8', input: input ?? '', timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
