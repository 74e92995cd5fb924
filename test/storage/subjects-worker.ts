/**
 * A separate process adding overlapping batches of subject hashes to a SQLite file, from a given moment on
 * (so that two of them start together); prints what addSubjects returned in total, and when it began and
 * ended, as JSON. Used by sqlite.test.ts to add from two processes at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { subjectHashes } from './contract/fixtures.ts';

const [file, first, startAt] = process.argv.slice(2) as [string, string, string];
const stores = openSqliteStores(file);
await sleep(Math.max(0, Number(startAt) - Date.now()));
const began = Date.now();
const total = { newSubjects: 0, newSensitive: 0 };
// Batches of 1,000 subjects every 250, so each overlaps the three before it; the even ones sensitive.
for (let i = Number(first); i < Number(first) + 40; i += 1) {
  const added = await stores.usage.addSubjects('ningbo-terminal', 2026, `ag-${i % 3}`, subjectHashes(i * 250, i * 250 + 1000), i % 2 === 0);
  total.newSubjects += added.newSubjects;
  total.newSensitive += added.newSensitive;
}
await stores.close();
process.stdout.write(JSON.stringify({ ...total, began, ended: Date.now() }));
