import { findSystemTool } from '@osa/openstack-testkit';
import { SystemClock } from '../../src/clock/clock';
import { HaproxyDataPlaneConfig } from '../../src/config/data-plane.config';
import { TrafficConfig } from '../../src/config/traffic.config';
import { HaproxyDataPlane } from '../../src/data-plane/haproxy/haproxy-data-plane';
import type { Backend } from '../../src/seams/traffic-director';
import { proxyConfigFrom } from '../proxy-config';
import { listen, closeServer, nextLoopbackAddress } from './loopback';
import { createServer } from 'node:net';

/**
 * `dataPlane.kind: haproxy` for the raw-socket suites: the controller's HaproxyDataPlane (the same
 * haproxy.cfg, Runtime API and members the controller uses) with `backends` as ready members.
 * No control plane: the checks are about what HAProxy does with the bytes.
 */
export async function startHaproxyUnderTest(
  backends: Backend[],
  settings: Record<string, unknown>,
): Promise<{
  host: string;
  port: number;
  pid: number;
  exitReason(): string | undefined;
  stop(): Promise<void>;
}> {
  const binary = findSystemTool('haproxy');
  if (!binary) throw new Error('haproxy is not installed (apt-get install -y haproxy)');
  const host = nextLoopbackAddress();
  const probe = createServer();
  const { port } = await listen(probe, host);
  await closeServer(probe);
  const proxy = proxyConfigFrom({
    listenHost: host,
    listenPort: port,
    shutdownDeadlineMs: 2_000,
    pathMappings: [],
    ...settings,
  });
  const haproxy = Object.assign(new HaproxyDataPlaneConfig(), { binary });
  const dataPlane = new HaproxyDataPlane({
    haproxy,
    proxy,
    traffic: new TrafficConfig(),
    retryAfterSeconds: 5,
    maxInstances: backends.length,
    clock: new SystemClock(),
  });
  await dataPlane.start();
  await dataPlane.applyMembers(
    backends.map((backend) => ({ backend, state: 'ready', weight: 100 })),
  );
  return {
    host,
    port,
    pid: dataPlane.pid ?? -1,
    exitReason: () => {
      const status = dataPlane.status();
      return status.state === 'running'
        ? undefined
        : `HAProxy is ${status.state}: ${status.detail}`;
    },
    stop: () => dataPlane.stop(),
  };
}
