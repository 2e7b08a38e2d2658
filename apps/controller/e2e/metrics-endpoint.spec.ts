import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORKSPACE_ROOT } from './support/controller-process';
import { httpGet } from './support/http-get';
import { PoolCloud } from './support/pool-cloud';
import { timedGet, TimedReply } from './support/traffic-load';
import { LOGGED } from './support/log-lines';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format 0.0.4: `name{a="x",b="y"} value` lines, `# HELP` / `# TYPE` comments. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = line.match(/^# TYPE (\S+) (\S+)$/);
    if (type) types.set(type[1], type[2]);
    const sample = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = value;
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/**
 * `/metrics` on the admin listener after real traffic through the built controller on the
 * openstack provider (the fake OpenStack): one scale-out that fails (ERROR), one that succeeds.
 * Counts are exact where the test knows them (it is the proxy's only client).
 */
describe('/metrics (Prometheus text, built controller, fake OpenStack)', () => {
  jest.setTimeout(120_000);
  let pool: PoolCloud | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('exposes requests by status, latency histograms, in-flight, instances by state, scale events, scale-out phases and OpenStack API calls with sane values', async () => {
    pool = await PoolCloud.start({
      serviceEnvs: [{ WORK_DELAY_MS: '5' }, { WORK_DELAY_MS: '5' }],
      config: {
        scaling: {
          traffic: 'pool',
          duringScaleOut: 'serve',
          thresholdRequests: 5,
          maxInstances: 2,
          failureBackoffInitialMs: 300,
          failureBackoffMaxMs: 300,
        },
      },
    });
    const running = pool;
    // The first server the controller asks for goes to ERROR after its boot.
    running.cloud.setServerBehaviour(
      { bootDelayMs: 200, failWith: { message: 'No valid host was found.', code: 500 } },
      { namePrefix: 'service-auto-' },
    );
    const replies: TimedReply[] = [];
    const send = async (): Promise<void> => {
      const reply = await timedGet(running.proxy.host, running.proxy.port);
      if (reply.status !== 200) throw new Error(`GET / answered ${reply.status}: ${reply.body}`);
      replies.push(reply);
    };
    for (let n = 0; n < 5; n++) await send();
    await running.controller.waitForLog(
      LOGGED.launchFailed('scale-out', {
        failedIn: 'booting',
        reason: /server went to ERROR: No valid host was found/,
      }),
      20_000,
    );
    // From now on servers boot and report the second service instance.
    running.cloud.setServerBehaviour(
      { bootDelayMs: 200, address: () => `${running.prefix}.2` },
      { namePrefix: 'service-auto-' },
    );
    const deadline = Date.now() + 30_000;
    while (
      !(await running.status()).instances.some(
        (instance) => instance.ip === `${running.prefix}.2` && instance.state === 'admitted',
      )
    ) {
      if (Date.now() > deadline)
        throw new Error(`no successful scale-out within 30 s:\n${running.controller.output}`);
      await send();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let n = 0; n < 10; n++) await send();

    // This config still uses the old scaling.traffic / scaling.duringScaleOut: accepted, with a warning.
    expect(running.controller.output).toMatch(
      /WARN.*scaling\.traffic is deprecated: use traffic\.mode/,
    );
    const reply = await httpGet(running.admin.host, running.admin.port, '/metrics');
    expect(reply.status).toBe(200);
    // Express may reorder the parameters of prom-client's `text/plain; version=0.0.4; charset=utf-8`.
    expect(reply.headers['content-type']?.split(/;\s*/).sort()).toEqual([
      'charset=utf-8',
      'text/plain',
      'version=0.0.4',
    ]);
    const { samples, types } = parseMetrics(reply.body);
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find(
        (sample) =>
          sample.name === name &&
          Object.entries(labels).every(([key, expected]) => sample.labels[key] === expected),
      )?.value;
    const served = replies.length;
    console.log(
      `/metrics after ${served} requests and two scale-outs (one failed):\n${reply.body
        .split('\n')
        .filter((line) => line.startsWith('osa_') && !line.includes('_bucket'))
        .join('\n')}`,
    );

    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('osa_')))).toEqual({
      osa_proxy_requests_total: 'counter',
      osa_proxy_request_duration_seconds: 'histogram',
      osa_upstream_response_duration_seconds: 'histogram',
      osa_proxy_in_flight_requests: 'gauge',
      osa_instance_in_flight_requests: 'gauge',
      osa_request_queue_waiting: 'gauge',
      osa_traffic_decisions_total: 'counter',
      osa_instances: 'gauge',
      osa_instance_ejections_total: 'counter',
      osa_scale_events_total: 'counter',
      osa_scale_out_phase_duration_seconds: 'histogram',
      osa_scale_out_duration_seconds: 'histogram',
      osa_build_info: 'gauge',
      osa_openstack_api_calls_total: 'counter',
      osa_openstack_api_call_duration_seconds: 'histogram',
      osa_scale_out_blocked: 'gauge',
      osa_quota_remaining: 'gauge',
      osa_zone_instances: 'gauge',
      osa_capacity_bounds: 'gauge',
      osa_leader: 'gauge',
    });
    // A single controller (leadership.enabled=false) always acts.
    expect(reply.body).toMatch(/^osa_leader\{role="single",holder=""\} 1$/m);

    // Requests by status: every answer the test got, and nothing else.
    expect(value('osa_proxy_requests_total', { status: '200', outcome: 'ok' })).toBe(served);
    expect(
      samples.filter((sample) => sample.name === 'osa_proxy_requests_total' && sample.value > 0),
    ).toHaveLength(1);
    expect(value('osa_traffic_decisions_total', { decision: 'forwarded' })).toBe(served);
    expect(value('osa_traffic_decisions_total', { decision: 'rejected_while_scaling' })).toBe(0);

    // Latency histograms: one observation per request, cumulative buckets ending at the count.
    for (const name of [
      'osa_proxy_request_duration_seconds',
      'osa_upstream_response_duration_seconds',
    ]) {
      expect(value(`${name}_count`)).toBe(served);
      const sum = value(`${name}_sum`) ?? 0;
      expect(sum).toBeGreaterThan(served * 0.005 * 0.9); // the service's own 5 ms per request
      expect(sum).toBeLessThan(served * 30); // and less than the upstream timeout each
      const buckets = samples
        .filter((sample) => sample.name === `${name}_bucket`)
        .map((sample) => sample.value);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(value(`${name}_bucket`, { le: '+Inf' })).toBe(served);
    }

    // Nothing in flight once the test's requests are answered; both instances admitted and idle.
    expect(value('osa_proxy_in_flight_requests')).toBe(0);
    expect(value('osa_request_queue_waiting')).toBe(0);
    expect(
      samples
        .filter((sample) => sample.name === 'osa_instance_in_flight_requests')
        .map((sample) => [sample.labels.backend.replace(/-[0-9a-f]{5}$/, '-*'), sample.value]),
    ).toEqual([
      ['service-vm-1', 0],
      ['service-auto-*', 0],
    ]);
    expect(value('osa_instances', { phase: 'admitted', health: 'healthy' })).toBe(2);
    expect(
      samples
        .filter((sample) => sample.name === 'osa_instances')
        .reduce((sum, sample) => sum + sample.value, 0),
    ).toBe(2);
    expect(value('osa_instance_ejections_total', { by: 'passive' })).toBe(0);

    // Scale events by outcome, and the phases of each scale-out.
    const failed = value('osa_scale_events_total', { kind: 'scale-out', outcome: 'failed' }) ?? 0;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(value('osa_scale_events_total', { kind: 'scale-out', outcome: 'admitted' })).toBe(1);
    expect(value('osa_scale_out_duration_seconds_count', { kind: 'scale-out' })).toBe(failed + 1);
    // No label in any osa_ series is Prometheus's own target label, and summing the phase
    // histogram over `phase` adds up phases only (the whole scale-out is its own family).
    expect(
      samples.filter(
        (sample) =>
          sample.name.startsWith('osa_') && ('instance' in sample.labels || 'job' in sample.labels),
      ),
    ).toEqual([]);
    expect(
      samples
        .filter((sample) => sample.name.startsWith('osa_scale_out_phase_duration_seconds'))
        .map((sample) => sample.labels.phase),
    ).not.toContain('total');
    const phasesSum = samples
      .filter(
        (sample) =>
          sample.name === 'osa_scale_out_phase_duration_seconds_sum' &&
          sample.labels.kind === 'scale-out',
      )
      .reduce((sum, sample) => sum + sample.value, 0);
    expect(phasesSum).toBeLessThanOrEqual(
      (value('osa_scale_out_duration_seconds_sum', { kind: 'scale-out' }) ?? 0) + 1e-6,
    );
    expect(
      value('osa_scale_out_phase_duration_seconds_count', { kind: 'scale-out', phase: 'booting' }),
    ).toBe(failed + 1);
    expect(
      value('osa_scale_out_phase_duration_seconds_count', {
        kind: 'scale-out',
        phase: 'health-checking',
      }),
    ).toBe(1);
    expect(
      value('osa_scale_out_phase_duration_seconds_sum', { kind: 'scale-out', phase: 'booting' }),
    ).toBeGreaterThanOrEqual(0.2 * (failed + 1) * 0.9);

    // OpenStack API calls: one server create (202) per scale-out, the failed server deleted (204), Keystone tokens (201).
    expect(
      value('osa_openstack_api_calls_total', { service: 'compute', method: 'POST', status: '202' }),
    ).toBe(failed + 1);
    expect(
      value('osa_openstack_api_calls_total', {
        service: 'compute',
        method: 'DELETE',
        status: '204',
      }),
    ).toBeGreaterThanOrEqual(failed);
    expect(
      value('osa_openstack_api_calls_total', {
        service: 'identity',
        method: 'POST',
        status: '201',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value('osa_openstack_api_call_duration_seconds_count', { service: 'compute' }),
    ).toBeGreaterThan(0);

    // Node's process metrics and the build the controller runs.
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    const version = (
      JSON.parse(fs.readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(samples.filter((sample) => sample.name === 'osa_build_info')).toEqual([
      {
        name: 'osa_build_info',
        labels: {
          version,
          commit: expect.stringMatching(/^([0-9a-f]{12}|unknown)$/),
          node_version: process.version,
        },
        value: 1,
      },
    ]);
  });
});
