// Runs bench/load.ts in a worker thread so the load generator does not share the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { load } from './load.js';

const result = await load(workerData);
parentPort!.postMessage(result);
