import { postJson, readStatus, ScalingEventView } from './support/admin-client';
import { ControllerProcess } from './support/controller-process';
import { ownLoopbackPrefix } from './support/loopback';
import { answersAround, describeLoad, runLoad } from './support/traffic-load';
import { LOGGED } from './support/log-lines';
import { localControllerConfig } from './support/local-controller-config';

/** Bounded load, as in load-scale-out.spec.ts: 16 connections, at most 200 requests/s in total, for 20 s. */
const LOAD = { connections: 16, overallRate: 200, durationSeconds: 20 };
/** At ~200 requests/s the 600th counted request (the scale-out trigger) comes about 3 s into the load. */
const THRESHOLD_REQUESTS = 600;
/** When the scale-in is asked for (autoscaling paused first, so the request count cannot scale out again). */
const SCALE_IN_AT_MS = 11_000;

/**
 * The serve-mode load test of load-scale-out.spec.ts, extended with a scale-in: under a bounded
 * concurrent load (autocannon) against the built controller on the local provider, in pool mode,
 * the request-count policy scales out, then the clone is scaled in (drained: no new requests, its
 * in-flight ones finish, then it is deleted). Not one non-2xx answer through both.
 */
describe('a scale-out and a scale-in under load (autocannon, built controller, local provider, serve)', () => {
  jest.setTimeout(120_000);
  let controller: ControllerProcess | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  it('serve: zero non-2xx answers and zero transport errors through the scale-out and the scale-in', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start({
      ...localControllerConfig(prefix, {
        local: { bootDelayMs: 3_000, serviceEnv: { WORK_DELAY_MS: '20' }, stopGraceMs: 2_000 },
      }),
      scaling: {
        traffic: 'pool',
        duringScaleOut: 'serve',
        thresholdRequests: THRESHOLD_REQUESTS,
        maxInstances: 2,
        statusPollInitialMs: 100,
        statusPollMaxMs: 200,
      },
      health: { intervalMs: 200 },
    });
    const running = controller;
    const { proxy, admin } = await running.addresses();
    await running.waitForLog(LOGGED.originalAdmitted, 20_000);

    const scaleIn = (async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, SCALE_IN_AT_MS));
      expect(
        (
          await postJson(admin.host, admin.port, '/scaling/pause', {
            reason: 'load test: hold the policy',
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await postJson(admin.host, admin.port, '/scaling/desired', {
            instances: 1,
            reason: 'load test: scale in',
          })
        ).status,
      ).toBe(202);
    })();
    const run = await runLoad({
      url: `http://${proxy.host}:${proxy.port}/`,
      ...LOAD,
      onProgress: (elapsed, requests, non2xx) => {
        if (elapsed % 5 === 0)
          console.log(`serve + scale-in: ${elapsed}s, ${requests} answers, ${non2xx} non-2xx`);
      },
    });
    await scaleIn;
    const status = await readStatus(admin);
    const byKind = (kind: ScalingEventView['kind']): ScalingEventView | undefined =>
      status.scaling.events.find((event) => event.kind === kind);
    const out = byKind('scale-out');
    const inEvent = byKind('scale-in');
    if (!out?.finishedAt || !inEvent?.finishedAt)
      throw new Error(
        `expected a finished scale-out and scale-in: ${JSON.stringify(status.scaling.events)}\n${running.output}`,
      );
    expect(out.state).toBe('admitted');
    expect(inEvent).toMatchObject({ state: 'removed', inFlightAtDelete: 0 });
    // Both happened inside the load, in that order, with answers before, between and after them.
    const at = (iso: string): string =>
      `+${((Date.parse(iso) - run.startedAtMs) / 1000).toFixed(2)}s`;
    expect(answersAround(run, 'before', Date.parse(out.startedAt))).toBeGreaterThan(0);
    expect(Date.parse(out.finishedAt)).toBeLessThan(Date.parse(inEvent.startedAt));
    expect(
      answersAround(run, 'after', Date.parse(out.finishedAt)) -
        answersAround(run, 'after', Date.parse(inEvent.startedAt)),
    ).toBeGreaterThan(0);
    expect(answersAround(run, 'after', Date.parse(inEvent.finishedAt))).toBeGreaterThan(0);
    console.log(
      `serve + scale-in: ${describeLoad('load', run)}; scale-out ${at(out.startedAt)} to ${at(out.finishedAt)} (${JSON.stringify(out.phaseDurationsMs)}); ` +
        `scale-in ${at(inEvent.startedAt)} to ${at(inEvent.finishedAt)} (${JSON.stringify(inEvent.phaseDurationsMs)}, ${inEvent.inFlightAtStart} in flight drained)`,
    );
    expect(run.requests).toBeGreaterThan(THRESHOLD_REQUESTS * 2);
    expect(run.non2xx).toBe(0);
    expect(run.transportErrors).toBe(0);
    expect(run.statusCounts).toEqual({ '200': run.requests });
    expect(status.instances.map((instance) => [instance.name, instance.state])).toEqual([
      ['service-vm-1', 'admitted'],
    ]);
  });
});
