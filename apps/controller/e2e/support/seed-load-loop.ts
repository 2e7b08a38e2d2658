import { httpGet } from './http-get';

/** One response of the load loop, reduced to what the seed scenario is about. */
export interface LoopResponse {
  readonly n: number;
  readonly status: number;
  readonly retryAfter?: string;
  /** `X-Instance-Address` set by the service: the true identity of the instance (seed section 17). */
  readonly instanceAddress?: string;
  readonly body: string;
}

export interface SeedLoadLoopOptions {
  readonly host: string;
  readonly port: number;
  /** Pause between requests (the seed's `sleep 1`, shortened). */
  readonly pauseMs: number;
  readonly maxRequests: number;
  readonly maxDurationMs: number;
  /** Stop early once this returns true. */
  readonly until?: (responses: readonly LoopResponse[]) => boolean;
}

/**
 * The seed's load generator (section 16) made finite:
 * `while true; do curl http://<CONTROLLER_IP>:8000; sleep 1; done` -- sequential requests, a
 * fresh connection each, bounded in count and time.
 */
export async function runSeedLoadLoop(options: SeedLoadLoopOptions): Promise<LoopResponse[]> {
  const responses: LoopResponse[] = [];
  const deadline = Date.now() + options.maxDurationMs;
  for (let n = 1; n <= options.maxRequests && Date.now() < deadline; n++) {
    const reply = await httpGet(options.host, options.port, '/');
    responses.push({
      n,
      status: reply.status,
      retryAfter: headerText(reply.headers['retry-after']),
      instanceAddress: headerText(reply.headers['x-instance-address']),
      body: reply.body.trim(),
    });
    if (options.until?.(responses)) break;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  return responses;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface SeedShape {
  /** `X-Instance-Address` of service-vm-1. */
  readonly original: string;
  /** That of the new instance. */
  readonly clone: string;
  /** How many first requests the original serves before the trigger (9 with the threshold 10). */
  readonly servedByOriginal: number;
  /** `Retry-After` the 503s carry (default: any whole number of seconds). */
  readonly retryAfter?: string;
  /**
   * An external data plane counts requests from its stats, so a few more may reach the original
   * after the N-th before the 503s begin; the built-in proxy counts exactly (default false).
   */
  readonly originalMayServeInWindow?: boolean;
}

/**
 * The seed's promise (section 16) over one load loop: only 200 and 503, ever; the first N
 * requests from the original; then 503 + Retry-After ("scaling") until the first response from the
 * new instance; from then on only the new instance. Returns the index of that first response.
 */
export function expectSeedShape(responses: readonly LoopResponse[], shape: SeedShape): number {
  const trace = responses
    .map((r) => `${r.n}:${r.status}:${r.instanceAddress ?? r.retryAfter ?? ''}`)
    .join(' ');
  const fromClone = (r: LoopResponse): boolean =>
    r.status === 200 && r.instanceAddress === shape.clone;
  const n = shape.servedByOriginal;

  expect(responses.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
  expect(responses.slice(0, n).map((r) => [r.status, r.instanceAddress])).toEqual(
    Array(n).fill([200, shape.original]),
  );
  const firstFromClone = responses.findIndex(fromClone);
  if (firstFromClone < 0) throw new Error(`traffic never switched to the new instance: ${trace}`);
  expect(firstFromClone).toBeGreaterThan(n);
  const window = responses.slice(n, firstFromClone);
  const rejected = window.filter((r) => r.status === 503);
  expect(rejected.length).toBeGreaterThanOrEqual(1);
  for (const response of rejected) {
    expect(response).toMatchObject({
      retryAfter: shape.retryAfter ?? expect.stringMatching(/^\d+$/),
      body: expect.stringMatching(/scaling/),
    });
  }
  const servedInWindow = window.filter((r) => r.status !== 503);
  if (shape.originalMayServeInWindow)
    for (const r of servedInWindow)
      expect([r.status, r.instanceAddress]).toEqual([200, shape.original]);
  else expect(servedInWindow).toEqual([]);
  expect(responses.slice(firstFromClone).filter((r) => !fromClone(r))).toEqual([]);
  return firstFromClone;
}
