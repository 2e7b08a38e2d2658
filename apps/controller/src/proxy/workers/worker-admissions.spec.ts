import { StaticTrafficDirector } from '../../../test-support/proxy/static-traffic-director';
import type { Backend, TrafficDecision } from '../traffic-director';
import { RemoteTrafficDirector } from './remote-traffic-director';
import { WorkerAdmissions } from './worker-admissions';
import type { DecisionMessage, WorkerBatchItem } from './worker-protocol';

const ORIGINAL: Backend = { id: 'vm-1', host: '127.0.0.1', port: 5000 };

/**
 * A worker's RemoteTrafficDirector and the controller's WorkerAdmissions joined by two message
 * queues instead of the cluster's IPC (the same JSON-shaped messages, delivered when the test
 * says), in front of a real StaticTrafficDirector.
 */
function workerAndController(director: StaticTrafficDirector) {
  const toController: WorkerBatchItem[] = [];
  const toWorker: DecisionMessage[] = [];
  const remote = new RemoteTrafficDirector((message) =>
    toController.push(JSON.parse(JSON.stringify(message))),
  );
  const admissions = new WorkerAdmissions(director, (message) =>
    toWorker.push(JSON.parse(JSON.stringify(message))),
  );
  const deliver = (): void => {
    for (const message of toController.splice(0)) {
      if (message.t === 'admit') admissions.admit(message);
      else if (message.t === 'withdraw') admissions.withdraw(message.id);
      else if (message.t === 'settle')
        admissions.settle(message.lease, message.outcome, message.durationMs);
    }
    for (const message of toWorker.splice(0)) remote.onDecision(message);
  };
  return { remote, admissions, deliver, toController };
}

/** The final decision behind the worker's `queue` answer (the controller's answer arrives later). */
async function answerOf(decision: TrafficDecision, deliver: () => void): Promise<TrafficDecision> {
  if (decision.kind !== 'queue')
    throw new Error(`a worker always waits for the controller, got ${decision.kind}`);
  deliver();
  await Promise.resolve();
  deliver();
  return decision.decision;
}

describe('proxy workers: admissions decided by the controller', () => {
  it('asks the one director in arrival order; a forward is a lease settled exactly once', async () => {
    const director = new StaticTrafficDirector([ORIGINAL]);
    const { remote, admissions, deliver } = workerAndController(director);

    const first = remote.admit({ method: 'GET', path: '/work', remoteAddress: '127.0.0.9' });
    const second = remote.admit({ method: 'POST', path: '/other', remoteAddress: '127.0.0.8' });
    expect(director.admitted).toEqual([]); // nothing is decided in the worker
    const [a, b] = await Promise.all([answerOf(first, deliver), answerOf(second, deliver)]);
    expect(director.admitted.map((request) => request.path)).toEqual(['/work', '/other']);
    expect(a).toMatchObject({ kind: 'forward', backend: ORIGINAL });
    expect(admissions.leaseCount).toBe(2);

    if (a.kind !== 'forward' || b.kind !== 'forward') throw new Error('expected forwards');
    remote.settle(a.backend, 'ok', 12);
    remote.settle(a.backend, 'ok', 12); // a second settle of the same lease changes nothing
    remote.settle(b.backend, 'reset', 3);
    deliver();
    expect(director.settles).toEqual([
      { backendId: 'vm-1', outcome: 'ok', durationMs: 12 },
      { backendId: 'vm-1', outcome: 'reset', durationMs: 3 },
    ]);
    expect(admissions.leaseCount).toBe(0);
  });

  it("passes the director's reject (the closed scaling gate) through with its Retry-After and reason", async () => {
    const director = new StaticTrafficDirector([ORIGINAL]);
    director.rejectReason = 'scaling out, retry shortly';
    const { remote, deliver } = workerAndController(director);
    const decision = await answerOf(
      remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' }),
      deliver,
    );
    expect(decision).toEqual({
      kind: 'reject',
      retryAfterSeconds: 2,
      reason: 'scaling out, retry shortly',
    });
  });

  it("waits out the director's queue in the controller; a withdrawn request's late backend goes straight back", async () => {
    const director = new StaticTrafficDirector([ORIGINAL]);
    let release!: (decision: TrafficDecision) => void;
    director.queueNext = new Promise((resolve) => (release = resolve));
    const { remote, deliver } = workerAndController(director);

    const held = remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' });
    if (held.kind !== 'queue') throw new Error('expected the worker to wait');
    deliver(); // the admit reaches the controller, which queues it
    held.withdraw(); // the client left
    deliver();
    expect(director.withdrawn).toBe(1);
    expect(await held.decision).toMatchObject({ kind: 'reject' });

    release(director.forward(ORIGINAL)); // the queue hands a backend out anyway
    await new Promise((resolve) => setImmediate(resolve));
    expect(director.settles).toEqual([
      { backendId: 'vm-1', outcome: 'client-aborted', durationMs: 0 },
    ]);
    expect(director.outstanding()).toBe(0);
  });

  it('a worker that dies gives back every lease (client-aborted) and its place in the queue', async () => {
    const director = new StaticTrafficDirector([ORIGINAL]);
    const { remote, admissions, deliver } = workerAndController(director);
    await answerOf(remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' }), deliver);
    director.queueNext = new Promise(() => undefined); // never decided
    remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' });
    deliver();

    admissions.workerGone();
    expect(director.settles).toEqual([
      { backendId: 'vm-1', outcome: 'client-aborted', durationMs: 0 },
    ]);
    expect(director.withdrawn).toBe(1);
    expect(director.outstanding()).toBe(0);
  });

  it('when the controller is gone, pending and later requests get a 503 decision, never a hang', async () => {
    const director = new StaticTrafficDirector([ORIGINAL]);
    const { remote } = workerAndController(director);
    const pending = remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' });
    remote.disconnected();
    if (pending.kind !== 'queue') throw new Error('expected the worker to wait');
    expect(await pending.decision).toMatchObject({
      kind: 'reject',
      reason: 'control plane unavailable',
    });
    expect(remote.admit({ method: 'GET', path: '/', remoteAddress: '127.0.0.9' })).toMatchObject({
      kind: 'reject',
    });
  });
});
