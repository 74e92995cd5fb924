/** Runs test/registry/load.ts in a worker thread: the load generator gets its own event loop (and core). */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad, type LoadPlan } from '../../test/registry/load.ts';

parentPort!.postMessage(await runLoad(workerData as LoadPlan));
