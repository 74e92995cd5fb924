import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/** Writes a file through a temporary name and a rename, so a reader never sees half of it. */
export function writeAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
