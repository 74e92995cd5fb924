/**
 * Numbered schema migrations, shared bookkeeping: each adapter keeps its own list (its dialect's DDL) and
 * applies, in one transaction under a lock, the ones this function says are missing. A released migration
 * is never edited; a change is a new number.
 */
import { ConfigError } from '../../core/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The table recording which migrations a database has. Named when it held only the control plane's; the data
 * plane's tables are numbered in the same list, since both share the database (the name stays for existing ones).
 */
export const MIGRATIONS_TABLE = 'kouan_control_plane_migrations';

/** The migrations still to apply, in order. Refuses a database that is newer than this build. */
export function pendingMigrations(known: readonly Migration[], applied: readonly number[]): Migration[] {
  known.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  const newest = Math.max(0, ...applied);
  if (newest > known.length) {
    throw new ConfigError(`the database is at schema version ${newest}, newer than this build knows (${known.length}); upgrade Kouan`);
  }
  const done = new Set(applied);
  return known.filter((m) => !done.has(m.version));
}
