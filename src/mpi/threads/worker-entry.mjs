// Entry of a rank run as a worker thread: loads tsx for TypeScript programs (hooks registered in the main
// thread do not reach workers on Node 20), then runs the program.
import { workerData } from 'node:worker_threads';

const { program, typescript } = workerData.courierMpi;
if (typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(program);
