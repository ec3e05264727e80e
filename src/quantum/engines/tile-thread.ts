/**
 * A helper thread of tile-threads.ts: waits for a new generation, reads its share of the pass
 * from its port, runs it on the shared state, counts itself done. Never touches the event loop
 * while a pass runs, so the calling thread can wait for it synchronously.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { DONE, FAILED, GEN, type HelperTask, QUIT, READY } from './tile-threads.js';
import { runTiles } from './tile-run.js';

const { control, port } = workerData as { control: Int32Array; port: MessagePort };
const scratch = { re: new Float64Array(0), im: new Float64Array(0) };
let seen = Atomics.load(control, GEN);
Atomics.add(control, READY, 1);
Atomics.notify(control, READY);

for (;;) {
  Atomics.wait(control, GEN, seen);
  seen = Atomics.load(control, GEN);
  if (Atomics.load(control, QUIT) !== 0) break;
  const received = receiveMessageOnPort(port);
  if (received) {
    const task = received.message as HelperTask;
    try {
      const size = task.job.run * task.job.runs.length;
      if (scratch.re.length < size) {
        scratch.re = new Float64Array(size);
        scratch.im = new Float64Array(size);
      }
      runTiles(task.job, task.from, task.to, scratch);
    } catch {
      Atomics.store(control, FAILED, 1);
    }
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}
port.close();
