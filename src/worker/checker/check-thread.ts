/** Checks programs (parse, widths, shapes) in a worker thread: see checker.ts. */
import { parentPort } from 'node:worker_threads';
import { QuantumInputError, checkProgram } from '../../quantum/index.js';
import type { CheckReply, CheckRequest } from './protocol.js';

if (!parentPort) throw new Error('check-thread must run in a worker thread');
const port = parentPort;

port.on('message', (req: CheckRequest) => {
  let reply: CheckReply;
  try {
    reply = { id: req.id, ok: true, summary: checkProgram(req.programId, req.params, req.limits) };
  } catch (e) {
    const input = e instanceof QuantumInputError;
    reply = { id: req.id, ok: false, input, message: (e as Error).message };
  }
  port.postMessage(reply);
});
