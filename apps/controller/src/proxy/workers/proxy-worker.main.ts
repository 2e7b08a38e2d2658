// The script the controller forks per proxy worker (`proxy.workers` > 1; see proxy-worker.ts).
import { runProxyWorker } from './proxy-worker';

runProxyWorker();
