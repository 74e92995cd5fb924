import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * A secret kept in a file of its own: read when the file exists, otherwise made once and written with mode 0600
 * (exclusively, so two processes starting together cannot both write one). Never logged.
 */
export function readOrCreateSecret(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  try {
    writeFileSync(file, `${make().trim()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
