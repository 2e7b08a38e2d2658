import { Logger } from '@nestjs/common';
import {
  ConnectionFailedError,
  MalformedResponseError,
  OpenStackHttpError,
  QuotaExceededError,
  RequestTimeoutError,
} from '@osa/openstack-client';
import { CloudApiHealth, isCloudApiUnavailable } from './cloud-api-health';
import { SystemClock } from '../clock/clock';
import { ProviderCallTimeoutError } from './provider-call';

const http = (status: number): OpenStackHttpError =>
  new OpenStackHttpError({
    status,
    service: 'compute',
    method: 'GET',
    url: 'http://127.0.0.1/compute/v2.1/servers',
    serverMessage: `status ${status}`,
  });

describe('isCloudApiUnavailable', () => {
  it('is true when the API did not answer usefully, false when it answered "no"', () => {
    expect(
      isCloudApiUnavailable(
        new ConnectionFailedError(
          'identity',
          'POST',
          'http://127.0.0.1/identity/v3/auth/tokens',
          'ECONNREFUSED',
          'refused',
        ),
      ),
    ).toBe(true);
    expect(
      isCloudApiUnavailable(
        new RequestTimeoutError('compute', 'GET', 'http://127.0.0.1/compute/v2.1/servers', 1000),
      ),
    ).toBe(true);
    expect(isCloudApiUnavailable(new ProviderCallTimeoutError('list the group', 1000))).toBe(true);
    expect(
      isCloudApiUnavailable(
        new MalformedResponseError('compute', 'GET', 'http://127.0.0.1/x', 200, 'truncated JSON'),
      ),
    ).toBe(true);
    expect([500, 502, 503, 504, 429].map((status) => isCloudApiUnavailable(http(status)))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([400, 401, 403, 404, 409].map((status) => isCloudApiUnavailable(http(status)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    const quota = new QuotaExceededError({
      status: 403,
      service: 'compute',
      method: 'POST',
      url: 'http://127.0.0.1/compute/v2.1/servers',
      serverMessage: 'Quota exceeded for instances',
    });
    expect(isCloudApiUnavailable(quota)).toBe(false);
    expect(isCloudApiUnavailable(new Error('LocalProviderError'))).toBe(false);
  });
});

describe('CloudApiHealth', () => {
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  const fail = (health: CloudApiHealth, what: string, error: Error): Promise<unknown> =>
    health.call(what, undefined, () => Promise.reject(error)).catch((caught: unknown) => caught);
  const succeed = (health: CloudApiHealth): Promise<string> =>
    health.call('status of x', undefined, async () => 'ok');

  it('turns degraded on the first unavailable call, stays so through more failures, recovers on the next success (each said once)', async () => {
    const health = new CloudApiHealth(new SystemClock());
    const seen: string[] = [];
    health.events.on('degraded', () => seen.push('degraded'));
    health.events.on('recovered', () => seen.push('recovered'));
    await fail(health, 'create x', http(403)); // an answer: not an outage
    expect(health.status()).toMatchObject({ state: 'ok', failedCallsInARow: 0 });
    await fail(health, 'list the group', http(503));
    await fail(health, 'list the group', new ProviderCallTimeoutError('list the group', 1000));
    expect(health.degraded).toBe(true);
    expect(health.status()).toMatchObject({
      state: 'degraded',
      degradedSince: expect.any(String),
      failedCallsInARow: 2,
      lastError:
        'list the group: list the group did not answer within 1000 ms (scaling.providerCallTimeoutMs)',
    });
    await succeed(health);
    await succeed(health);
    expect(health.status()).toMatchObject({
      state: 'ok',
      degradedSince: null,
      degradedForMs: null,
      failedCallsInARow: 0,
      outagesRecovered: 1,
    });
    expect(seen).toEqual(['degraded', 'recovered']);
  });

  it('never refuses or queues a call while degraded: calls run at once, each with its own signal', async () => {
    const health = new CloudApiHealth(new SystemClock());
    await fail(health, 'list the group', http(503));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const callers = [new AbortController(), new AbortController()];
    const given: AbortSignal[] = [];
    const first = health.call('status of a', callers[0].signal, async (signal) => {
      given.push(signal);
      order.push('a started');
      await held;
      return 'a';
    });
    const second = health.call('status of b', callers[1].signal, async (signal) => {
      given.push(signal);
      order.push('b started');
      await held;
      return 'b';
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a started', 'b started']);
    expect(given).toEqual([callers[0].signal, callers[1].signal]);
    release();
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(health.degraded).toBe(false);
  });

  it('during an outage, neither a cancelled call nor a 4xx answer ends it: only a successful call does', async () => {
    const health = new CloudApiHealth(new SystemClock());
    const seen: string[] = [];
    health.events.on('recovered', () => seen.push('recovered'));
    await fail(health, 'list the group', http(503));
    const caller = new AbortController();
    const cancelled = health.call(
      'status of x',
      caller.signal,
      (signal) =>
        new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    );
    caller.abort(new Error('launch finished: stop watching'));
    await expect(cancelled).rejects.toThrow('stop watching');
    await fail(health, 'create x', http(404));
    expect(health.status()).toMatchObject({ state: 'degraded', failedCallsInARow: 1 });
    expect(seen).toEqual([]);
    await succeed(health);
    expect(health.status()).toMatchObject({ state: 'ok', outagesRecovered: 1 });
    expect(seen).toEqual(['recovered']);
  });

  it("passes the caller's signal to the call, and a call the caller cancelled says nothing about the API", async () => {
    const health = new CloudApiHealth(new SystemClock());
    const caller = new AbortController();
    let given: AbortSignal | undefined;
    const cancelled = health.call('status of x', caller.signal, (signal) => {
      given = signal;
      return new Promise<never>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      );
    });
    caller.abort(new Error('shutting down'));
    await expect(cancelled).rejects.toThrow('shutting down');
    expect(given?.aborted).toBe(true);
    expect(health.status()).toMatchObject({ state: 'ok', failedCallsInARow: 0, lastError: null });
  });
});
