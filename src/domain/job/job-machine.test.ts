import { describe, expect, it } from 'vitest';
import { aJob, at } from '../../../test/helpers/builders.js';
import { AppError } from '../errors.js';
import type { Job, JobStatus } from './job.js';
import { RAN_TOO_LONG_CODE, displayStatus } from './job.js';
import { JOB_ACCEPTS, type JobInput, decideJob, lossLog } from './job-machine.js';

const LEASE = { workerId: 'node-a', until: at(40) };
const INPUTS: JobInput[] = [
  { kind: 'start', lease: LEASE },
  { kind: 'heartbeat', lease: LEASE },
  { kind: 'result_ready' },
  { kind: 'settle' },
  { kind: 'fail', reason: 'boom' },
  { kind: 'cancel', reason: 'Cancelled by user' },
  { kind: 'stopped' },
  { kind: 'ran_too_long' },
  { kind: 'retry', lease: LEASE },
  { kind: 'take_released', lease: LEASE },
  { kind: 'executor_lost', lease: LEASE, onlyIfExpired: true },
];
const STATUSES: JobStatus[] = ['Queued', 'Running', 'Completed', 'Failed', 'Cancelled'];

const running = (o: Partial<Job> = {}): Job =>
  aJob({
    status: 'Running',
    startedAt: at(10),
    costDeadline: at(610),
    attempts: 1,
    holdMs: 5000,
    workerId: 'node-a',
    leaseUntil: at(30),
    ...o,
  });

describe('decideJob', () => {
  it.each(STATUSES.flatMap((s) => INPUTS.map((i) => [s, i] as const)))(
    '%s × %o is allowed exactly when ACCEPTS says so',
    (status, input) => {
      const job = status === 'Running' ? running() : aJob({ status });
      const allowed = JOB_ACCEPTS[status].includes(input.kind);
      let error: unknown = null;
      try {
        decideJob(job, input, at(20));
      } catch (e) {
        error = e;
      }
      if (allowed && !(input.kind === 'cancel' && status !== 'Queued' && status !== 'Running')) {
        expect(error).toBeNull();
      } else {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe(
          input.kind === 'cancel' ? 'job_not_cancellable' : 'invalid_transition',
        );
      }
    },
  );

  it('starts a queued job and arms its max execution time', () => {
    const next = decideJob(aJob({ cost: 60 }), { kind: 'start', lease: LEASE }, at(5));
    expect(next).toMatchObject({
      status: 'Running',
      startedAt: at(5),
      costDeadline: at(65),
      workerId: 'node-a',
      leaseUntil: at(40),
      attempts: 1,
      version: 2,
    });
  });

  it('holds the lane for the modeled time after the result is ready', () => {
    const ready = decideJob(running(), { kind: 'result_ready' }, at(11));
    expect(ready?.settleAt).toEqual(at(15));
    expect(decideJob(ready as Job, { kind: 'settle' }, at(14))).toBeNull();
    expect(decideJob(ready as Job, { kind: 'settle' }, at(15))).toMatchObject({
      status: 'Completed',
      endedAt: at(15),
      settleAt: null,
    });
  });

  it('completes at once when the simulation took longer than the model', () => {
    const ready = decideJob(running(), { kind: 'result_ready' }, at(30)) as Job;
    expect(ready.settleAt).toEqual(at(30));
  });

  it('cancels a queued job at once', () => {
    expect(decideJob(aJob(), { kind: 'cancel', reason: 'Cancelled by user' }, at(3))).toMatchObject(
      {
        status: 'Cancelled',
        endedAt: at(3),
        reason: 'Cancelled by user',
      },
    );
  });

  it('asks a computing job to stop, and ends it once stopped', () => {
    const asked = decideJob(
      running(),
      { kind: 'cancel', reason: 'Cancelled by user' },
      at(12),
    ) as Job;
    expect(asked.status).toBe('Running');
    expect(asked.cancelRequestedAt).toEqual(at(12));
    expect(decideJob(asked, { kind: 'cancel', reason: 'again' }, at(13))).toBeNull();
    expect(decideJob(asked, { kind: 'stopped' }, at(13))).toMatchObject({
      status: 'Cancelled',
      endedAt: at(13),
    });
  });

  it('cancels a job that only holds its lane at once', () => {
    const holding = running({ settleAt: at(15) });
    expect(
      decideJob(holding, { kind: 'cancel', reason: 'Cancelled by user' }, at(12))?.status,
    ).toBe('Cancelled');
  });

  it('stops a job past its max execution time with reason code 1305', () => {
    const job = running();
    expect(decideJob(job, { kind: 'ran_too_long' }, at(609))).toBeNull();
    const next = decideJob(job, { kind: 'ran_too_long' }, at(610)) as Job;
    expect(next).toMatchObject({
      status: 'Cancelled',
      reasonCode: RAN_TOO_LONG_CODE,
      endedAt: at(610),
    });
    expect(displayStatus(next)).toBe('Cancelled - Ran too long');
    expect(displayStatus(aJob({ status: 'Cancelled' }))).toBe('Cancelled');
  });

  it('counts a retry as another attempt', () => {
    expect(decideJob(running(), { kind: 'retry', lease: LEASE }, at(20))?.attempts).toBe(2);
  });

  it('lets one worker take a released job, and no one take a held one', () => {
    const released = running({ workerId: null, leaseUntil: null, attempts: 1 });
    const taken = decideJob(released, { kind: 'take_released', lease: LEASE }, at(21));
    expect(taken).toMatchObject({ workerId: 'node-a', leaseUntil: at(40), attempts: 2 });
    const other = { workerId: 'node-b', until: at(50) };
    expect(decideJob(taken as Job, { kind: 'take_released', lease: other }, at(22))).toBeNull();
  });

  it('renews a lease only for its holder, and a result ends it', () => {
    const held = running({ workerId: 'node-a', leaseUntil: at(30) });
    const renewed = decideJob(
      held,
      { kind: 'heartbeat', lease: { workerId: 'node-a', until: at(60) } },
      at(25),
    );
    expect(renewed).toMatchObject({ leaseUntil: at(60), version: 2 });
    expect(() =>
      decideJob(held, { kind: 'heartbeat', lease: { workerId: 'node-b', until: at(60) } }, at(25)),
    ).toThrow(expect.objectContaining({ code: 'lease_lost' }));
    const done = decideJob(held, { kind: 'result_ready' }, at(26));
    expect(done?.leaseUntil).toBeNull();
    expect(() => decideJob(done as Job, { kind: 'heartbeat', lease: LEASE }, at(27))).toThrow(
      expect.objectContaining({ code: 'lease_lost' }),
    );
  });

  it('re-runs a job once when its executor is lost, then fails it; a waiting cancel ends it', () => {
    const lost = { kind: 'executor_lost', lease: { workerId: 'node-b', until: at(90) } } as const;
    const held = running({ workerId: 'node-a', leaseUntil: at(30), attempts: 1 });
    // Not expired yet: nothing happens unless the holder itself says it is gone.
    expect(decideJob(held, { ...lost, onlyIfExpired: true }, at(29))).toBeNull();
    expect(decideJob(held, { ...lost, onlyIfExpired: true }, at(30))).toMatchObject({
      status: 'Running',
      attempts: 2,
      workerId: 'node-b',
      leaseUntil: at(90),
    });
    expect(decideJob(held, { ...lost, onlyIfExpired: false }, at(1))?.attempts).toBe(2);
    expect(
      decideJob({ ...held, attempts: 2 }, { ...lost, onlyIfExpired: true }, at(31)),
    ).toMatchObject({
      status: 'Failed',
      reason: 'The executor was lost twice while running the job',
      leaseUntil: null,
    });
    expect(
      decideJob(
        { ...held, cancelRequestedAt: at(20), reason: 'Cancelled by user' },
        { ...lost, onlyIfExpired: true },
        at(31),
      ),
    ).toMatchObject({ status: 'Cancelled', reason: 'Cancelled by user' });
    // A job whose result is in holds no lease: losing its executor loses nothing.
    expect(
      decideJob(
        { ...held, leaseUntil: null, settleAt: at(50) },
        { ...lost, onlyIfExpired: false },
        at(31),
      ),
    ).toBeNull();
  });

  it('logs what a loss really did: ran again, waits for a worker, failed, or cancelled', () => {
    const why = 'node node-a stopped heartbeating';
    const lost = (lease: typeof LEASE | null) =>
      ({ kind: 'executor_lost', lease, onlyIfExpired: false }) as const;
    const log = (j: Job, lease: typeof LEASE | null = LEASE): string[] =>
      lossLog(j, decideJob(j, lost(lease), at(31)) ?? j, why);
    const held = running({ attempts: 1 });
    expect(log(held)).toEqual([`Running the job again (execution 2 of 2): ${why}`]);
    expect(log(held, null)).toEqual([`Waiting for a worker to run the job again: ${why}`]);
    // The second loss, and a loss after real work began, fail the job: no "again" for them.
    expect(log({ ...held, attempts: 2 })).toEqual([
      `Failed: The executor was lost twice while running the job (${why})`,
    ]);
    expect(log({ ...held, workStartedAt: at(15) })).toEqual([
      `Failed: The worker was lost after it had started work on the device (${why})`,
    ]);
    expect(log({ ...held, cancelRequestedAt: at(20) })).toEqual([
      `Cancelled: the cancel waited for the lost executor (${why})`,
    ]);
    expect(log({ ...held, leaseUntil: null, settleAt: at(50) })).toEqual([]);
  });
});
