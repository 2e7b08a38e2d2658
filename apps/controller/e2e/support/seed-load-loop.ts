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
