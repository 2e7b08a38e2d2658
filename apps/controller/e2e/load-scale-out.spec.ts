import { postJson } from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { getJson, httpGet } from './support/http-get';
import { ownLoopbackPrefix } from './support/loopback';
import {
  answersAround,
  describeLoad,
  LoadRun,
  runLoad,
  statusRunsPerConnection,
} from './support/traffic-load';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

interface ScaleEventView {
  kind: string;
  state: string;
  startedAt: string;
  finishedAt?: string;
  totalMs?: number;
  phaseDurationsMs: Record<string, number>;
}
interface RemovalEventView {
  kind: string;
  state: string;
  startedAt: string;
  finishedAt?: string;
  inFlightAtStart: number;
  phaseDurationsMs: Record<string, number>;
}
interface StatusView {
  lastScaleEvent: ScaleEventView | null;
  instances: Array<{ ip: string | null; state: string; serving: boolean; requestsServed: number }>;
  scaling: { events: Array<ScaleEventView | RemovalEventView> };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Bounded load: 16 connections, at most 200 requests/s in total, for 20 s. */
const LOAD = { connections: 16, overallRate: 200, durationSeconds: 20 };
/** At ~200 requests/s the 800th counted request (the trigger) comes about 4 s into the load. */
const THRESHOLD_REQUESTS = 800;

/**
 * A scale-out under a bounded concurrent load (autocannon) against the built controller on the
 * local provider, in pool mode: with `duringScaleOut: serve` not a single non-2xx answer, through
 * the scale-out and a scale-in after it; with `reject` 503s, and only between the scale-out's
 * start and end as /status records them.
 */
describe('a scale-out under load (autocannon, built controller, local provider)', () => {
  jest.setTimeout(120_000);
  let controller: ControllerProcess | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  /**
   * 20 s of load through one scale-out; with `scaleIn`, once the scale-out has ended (and 2 s of
   * serving on both instances), autoscaling is paused and the desired count set back to 1 over
   * the admin API: the newest instance is drained and removed while the load goes on.
   */
  async function loadThroughScaleOut(
    duringScaleOut: 'serve' | 'reject',
    scaleIn = false,
  ): Promise<{
    run: LoadRun;
    event: ScaleEventView;
    status: StatusView;
    prefix: string;
    admin: { host: string; port: number };
    removal?: RemovalEventView;
  }> {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start({
      // A 3 s "boot" so the scale-out spans a good part of the load.
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 3_000, serviceEnv: { WORK_DELAY_MS: '20' }, stopGraceMs: 2_000 },
      }),
      scaling: {
        traffic: 'pool',
        duringScaleOut,
        thresholdRequests: THRESHOLD_REQUESTS,
        maxInstances: 2,
        retryAfterSeconds: 1,
        statusPollInitialMs: 100,
        statusPollMaxMs: 200,
      },
      health: { intervalMs: 200 },
    });
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);

    const loading = runLoad({
      url: `http://${proxy.host}:${proxy.port}/`,
      ...LOAD,
      onProgress: (elapsed, requests, non2xx) => {
        if (elapsed % 5 === 0)
          console.log(`${duringScaleOut}: ${elapsed}s, ${requests} answers, ${non2xx} non-2xx`);
      },
    });
    const status = (): Promise<StatusView> =>
      getJson<StatusView>(admin.host, admin.port, '/status');
    let removal: RemovalEventView | undefined;
    if (scaleIn) {
      const admittedAt = await until('the scale-out to finish', 15_000, async () => {
        const event = (await status()).lastScaleEvent;
        return event?.state === 'admitted' && event.finishedAt
          ? Date.parse(event.finishedAt)
          : undefined;
      });
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, admittedAt + 2_000 - Date.now())),
      );
      expect(
        (
          await postJson(admin.host, admin.port, '/scaling/pause', {
            reason: 'load test: scale-in by hand',
          })
        ).status,
      ).toBe(200);
      const scaled = await postJson(admin.host, admin.port, '/scaling/desired', {
        instances: 1,
        reason: 'load test',
      });
      expect(scaled.status).toBe(202);
      removal = await until('the scale-in to finish', 15_000, async () =>
        (await status()).scaling.events.find(
          (event): event is RemovalEventView =>
            event.kind === 'scale-in' && event.state === 'removed',
        ),
      );
    }
    const run = await loading;
    const finalStatus = await status();
    const event = finalStatus.lastScaleEvent;
    if (!event?.finishedAt)
      throw new Error(
        `no finished scale-out after the load: ${JSON.stringify(finalStatus.lastScaleEvent)}\n${controller.output}`,
      );
    expect(event.state).toBe('admitted');
    // The scale-out happened inside the load, with load before and after it: answers completed
    // before the controller recorded its start, and after it recorded its end.
    const startedMs = Date.parse(event.startedAt);
    const finishedMs = Date.parse(event.finishedAt);
    expect(answersAround(run, 'before', startedMs)).toBeGreaterThan(0);
    expect(answersAround(run, 'after', finishedMs)).toBeGreaterThan(0);
    console.log(
      `${duringScaleOut}: ${describeLoad('load', run)}; scale-out from +${((startedMs - run.startedAtMs) / 1000).toFixed(2)}s ` +
        `to +${((finishedMs - run.startedAtMs) / 1000).toFixed(2)}s (${JSON.stringify(event.phaseDurationsMs)})`,
    );
    if (removal?.finishedAt) {
      console.log(
        `${duringScaleOut}: scale-in from +${((Date.parse(removal.startedAt) - run.startedAtMs) / 1000).toFixed(2)}s to ` +
          `+${((Date.parse(removal.finishedAt) - run.startedAtMs) / 1000).toFixed(2)}s (${removal.inFlightAtStart} in flight when it left rotation; ${JSON.stringify(removal.phaseDurationsMs)})`,
      );
    }
    return { run, event, status: finalStatus, prefix, admin, removal };
  }

  it('serve: zero non-2xx answers and zero transport errors through a scale-out and a scale-in (drain, then delete)', async () => {
    const { run, status, prefix, removal } = await loadThroughScaleOut('serve', true);
    expect(run.requests).toBeGreaterThan(THRESHOLD_REQUESTS);
    expect(run.non2xx).toBe(0);
    expect(run.transportErrors).toBe(0);
    expect(run.statusCounts).toEqual({ '200': run.requests });
    // The scale-in happened under load too (answers after it ended), and left the original serving alone.
    expect(removal?.finishedAt).toBeDefined();
    expect(answersAround(run, 'after', Date.parse(removal?.finishedAt as string))).toBeGreaterThan(
      0,
    );
    expect(
      status.instances.filter((instance) => instance.serving).map((instance) => instance.ip),
    ).toEqual([`${prefix}.1`]);
  });

  it('reject: 503s only while the scale-out runs, 200s before and after', async () => {
    const { run, event, admin } = await loadThroughScaleOut('reject');
    const startedMs = Date.parse(event.startedAt);
    const finishedMs = Date.parse(event.finishedAt as string);
    const rejections = run.non2xxTimeline;
    expect(rejections.length).toBeGreaterThan(0);
    expect(new Set(rejections.map((answer) => answer.status))).toEqual(new Set([503]));
    const first = rejections[0].atMs;
    const last = rejections[rejections.length - 1].atMs;
    console.log(
      `reject: ${rejections.length} x 503 from +${((first - run.startedAtMs) / 1000).toFixed(2)}s to +${((last - run.startedAtMs) / 1000).toFixed(2)}s; ` +
        `scale-out from +${((startedMs - run.startedAtMs) / 1000).toFixed(2)}s to +${((finishedMs - run.startedAtMs) / 1000).toFixed(2)}s`,
    );
    // Every 503 is one the controller counted as rejected because a scale-out was running.
    const metrics = (await httpGet(admin.host, admin.port, '/metrics')).body;
    expect(metrics).toMatch(
      new RegExp(
        `^osa_traffic_decisions_total\\{decision="rejected_while_scaling"\\} ${rejections.length}$`,
        'm',
      ),
    );
    // And the window really was one window: each connection (its requests one after another) saw
    // 200s, then 503s, then 200s again, and no 503 once the 200s were back.
    expect(new Set(statusRunsPerConnection(run))).toEqual(new Set(['200 503 200']));
    expect(run.statusCounts['200']).toBeGreaterThan(THRESHOLD_REQUESTS - 1);
    expect(run.requests - rejections.length).toBe(run.statusCounts['200']);
    expect(run.transportErrors).toBe(0);
  });
});
