import { LoopbackCloud, type SeenRequest } from '../../test-support/loopback-cloud';
import {
  serverGetRespV271,
  SERVER_ID,
} from '../compute/servers/__fixtures__/server-get-resp.v2-71.fixture';
import { computeFault } from '../compute/__fixtures__/nova-faults.fixture';
import {
  AbortedError,
  OpenStackError,
  RequestAbortedError,
  WaitAbortedError,
} from '../common/errors';
import type { OpenStackClient } from '../client';
import type { ClientEvent } from './session-types';

const SERVER_PATH = `/compute/v2.1/servers/${SERVER_ID}`;

/**
 * Cancellation end to end: a caller's AbortSignal stops a request in flight (the socket is
 * really closed), a retry back-off, a request not yet sent, and a waiter, each with a typed
 * AbortedError. Nothing here measures time: a call that ignored the signal would hang on a
 * server that never answers (or a 60 s back-off) and fail by jest's timeout.
 */
describe('AbortSignal through the client', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => {
    await cloud.close();
  });

  /**
   * Starts `call` against a Nova that never answers GET /servers/{id}; resolves once Nova holds
   * the request, with what the test needs to abort it and look at the outcome.
   */
  async function callHeldByNova(
    call: (os: OpenStackClient, signal: AbortSignal) => Promise<unknown>,
  ): Promise<{
    abort: AbortController;
    outcome: Promise<unknown>;
    held: SeenRequest;
    os: OpenStackClient;
  }> {
    const arrived = new Promise<SeenRequest>((resolve) => {
      cloud.on('GET', SERVER_PATH, (req) => {
        resolve(req);
        return { status: 200, hang: true };
      });
    });
    const os = cloud.client({ timeoutMs: 600_000 }); // only the signal can end the request
    const abort = new AbortController();
    const outcome = call(os, abort.signal).catch((e: unknown) => e);
    return { abort, outcome, held: await arrived, os };
  }

  it('destroys the HTTP request in flight: the server sees its connection close', async () => {
    const { abort, outcome, held, os } = await callHeldByNova((client, signal) =>
      client.compute.servers.get(SERVER_ID, { signal }),
    );
    abort.abort();
    const error = (await outcome) as RequestAbortedError;
    await held.connectionClosed; // never resolves if the request was only abandoned
    os.close();

    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error.service).toBe('compute');
    expect(error.method).toBe('GET');
    expect(error.message).toContain(`GET ${cloud.computeUrl}/servers/${SERVER_ID} aborted`);
    // An abort is final: no retry, even for an idempotent GET.
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(1);
  });

  it('carries the abort reason as the cause', async () => {
    const { abort, outcome, os } = await callHeldByNova((client, signal) =>
      client.compute.servers.get(SERVER_ID, { signal }),
    );
    const reason = new Error('controller shutting down');
    abort.abort(reason);
    const error = (await outcome) as RequestAbortedError;
    os.close();
    expect(error.cause).toBe(reason);
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(/aborted: controller shutting down$/);
  });

  it('stops a retry back-off at once and sends no further attempt', async () => {
    const events: ClientEvent[] = [];
    let firstAnswered: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswered = resolve));
    cloud.on('GET', SERVER_PATH, () => {
      firstAnswered();
      // Nova busy: come back in 60 s (within the retry cap, so the client does wait).
      return { status: 503, body: computeFault, headers: { 'retry-after': '60' } };
    });
    const os = cloud.client({
      retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 120_000 },
      logger: (e) => events.push(e),
    });
    const controller = new AbortController();
    const call = os.compute.servers
      .get(SERVER_ID, { signal: controller.signal })
      .catch((e: unknown) => e);
    await answered;
    // Abort once the client is in its back-off (it reports the retry before sleeping).
    while (!events.some((e) => e.type === 'retry')) await new Promise((r) => setImmediate(r));
    controller.abort();
    const error = await call;
    os.close();

    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: 60_000 }),
    ]);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(1);
  });

  it('never sends a request whose signal has already fired', async () => {
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const os = cloud.client();
    await os.identity.token(); // authenticated: only the GET itself is in question
    const error = await os.compute.servers
      .get(SERVER_ID, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(0);
  });

  it('lets one caller stop waiting for a shared authentication without failing the others', async () => {
    let releaseKeystone: () => void = () => undefined;
    const keystoneHeld = new Promise<void>((resolve) => (releaseKeystone = resolve));
    const tokenArrived = new Promise<void>((resolve) => {
      cloud.once('POST', '/identity/v3/auth/tokens', async (req) => {
        resolve();
        await keystoneHeld;
        return cloud.issueToken(req);
      });
    });
    cloud.on('GET', SERVER_PATH, () => ({ status: 200, body: serverGetRespV271() }));
    const os = cloud.client();
    const controller = new AbortController();
    const aborted = os.compute.servers
      .get(SERVER_ID, { signal: controller.signal })
      .catch((e: unknown) => e);
    const patient = os.compute.servers.get(SERVER_ID);
    await tokenArrived;
    controller.abort();
    expect(await aborted).toBeInstanceOf(RequestAbortedError);
    releaseKeystone();
    expect((await patient).id).toBe(SERVER_ID);
    os.close();
    expect(cloud.tokenRequests()).toHaveLength(1);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(1);
  });

  it('stops a waiter mid-poll: WaitAbortedError, and the poll request is destroyed', async () => {
    const { abort, outcome, held, os } = await callHeldByNova((client, signal) =>
      client.compute.servers.waitForStatus(SERVER_ID, {
        target: 'ACTIVE',
        timeoutMs: 600_000,
        signal,
      }),
    );
    abort.abort();
    const error = (await outcome) as WaitAbortedError;
    await held.connectionClosed;
    os.close();
    expect(error).toBeInstanceOf(WaitAbortedError);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.id).toBe(SERVER_ID);
  });

  it('stops a waiter between polls without another poll', async () => {
    const progress: string[] = [];
    cloud.on('GET', SERVER_PATH, () => ({
      status: 200,
      body: serverGetRespV271({ status: 'BUILD', 'OS-EXT-STS:vm_state': 'building' }),
    }));
    const os = cloud.client();
    const controller = new AbortController();
    const error = (await os.compute.servers
      .waitForStatus(SERVER_ID, {
        target: 'ACTIVE',
        timeoutMs: 600_000,
        intervalMs: 60_000, // a sleep nobody would wait out in a test
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.status);
          controller.abort();
        },
      })
      .catch((e: unknown) => e)) as WaitAbortedError;
    os.close();
    expect(error).toBeInstanceOf(WaitAbortedError);
    expect(error.lastStatus).toBe('BUILD');
    expect(progress).toEqual(['BUILD']);
    expect(cloud.requestsTo('GET', SERVER_PATH)).toHaveLength(1);
  });
});
