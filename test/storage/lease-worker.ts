/**
 * A separate process leasing from a SQLite file until nothing is left; prints the ids it was handed as
 * JSON. Used by sqlite.test.ts to lease from two processes at once.
 */
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';

const [file, holder, now] = process.argv.slice(2) as [string, string, string];
const stores = openSqliteStores(file);
const handed: string[] = [];
for (;;) {
  const batch = await stores.negotiations.leaseNext(['REQUESTED'], 2, holder, 60_000, new Date(now));
  if (batch.length === 0) break;
  handed.push(...batch.map((n) => n.id));
}
await stores.close();
process.stdout.write(JSON.stringify(handed));
