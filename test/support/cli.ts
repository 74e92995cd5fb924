import { spawn, spawnSync } from 'node:child_process';
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

/** The same, without blocking this process: for commands that talk to servers running inside the test. */
export function kouanAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KOUAN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
