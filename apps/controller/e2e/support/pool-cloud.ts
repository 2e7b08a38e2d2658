import * as fs from 'node:fs';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { ControllerProcess } from './controller-process';
import { prepareSeedCloud } from './fake-cloud';
import { getJson } from './http-get';
import { ownLoopbackPrefix } from './loopback';
import { ServiceInstance } from './service-instance';
import { timedGet } from './traffic-load';
import { LOGGED } from './log-lines';

/** The part of /status the traffic specs read. */
export interface TrafficStatusView {
  mode: { traffic: string; duringScaleOut: string };
  instances: Array<{
    id: string;
    name: string;
    role: string;
    state: string;
    health: string;
    serving: boolean;
    ip: string | null;
    requestsServed: number;
    inFlight: number;
  }>;
  requests: {
    received: number;
    forwarded: number;
    rejectedWhileScaling: number;
    rejectedNoBackend: number;
    queue: Record<string, number>;
  };
}

/** Deep-merge plain objects (config sections), `override` winning. */
function merge(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/**
 * The built controller (a real process) on the openstack provider against the fake OpenStack,
 * whose "VMs" are real service processes this test owns: `service-vm-1` at `<prefix>.1`, and
 * every server the controller creates reports the next of `<prefix>.2`, `.3`, ... So a test can
 * kill and restart one instance's process without the cloud noticing, as when a service crashes
 * inside a VM.
 */
export class PoolCloud {
  private constructor(
    readonly prefix: string,
    readonly cloud: FakeOpenStack,
    readonly controller: ControllerProcess,
    readonly services: ServiceInstance[],
    readonly proxy: { host: string; port: number },
    readonly admin: { host: string; port: number },
    private readonly dir: string,
  ) {}

  /**
   * `serviceEnvs[i]` is the environment of the instance at `<prefix>.(i+1)`; `startServices`
   * says how many of them run from the start (the others are started later by the test).
   */
  static async start(options: {
    serviceEnvs: Array<Record<string, string>>;
    startServices?: number;
    config: Record<string, unknown>;
    bootDelayMs?: number;
  }): Promise<PoolCloud> {
    const prefix = ownLoopbackPrefix();
    const services: ServiceInstance[] = [];
    let cloud: FakeOpenStack | undefined;
    let dir: string | undefined;
    let controller: ControllerProcess | undefined;
    try {
      const running = options.startServices ?? options.serviceEnvs.length;
      for (let index = 0; index < running; index++)
        services.push(
          await ServiceInstance.start(`${prefix}.${index + 1}`, 5000, options.serviceEnvs[index]),
        );
      cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
      const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
      dir = seeded.dir;
      let nextClone = 2;
      cloud.setServerBehaviour(
        { address: () => `${prefix}.${nextClone++}`, bootDelayMs: options.bootDelayMs ?? 300 },
        { namePrefix: 'service-auto-' },
      );
      const base = {
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: { kind: 'openstack' },
        health: { intervalMs: 100 },
        scaling: { statusPollInitialMs: 100, statusPollMaxMs: 200 },
      };
      controller = ControllerProcess.start(merge(base, options.config), seeded.env);
      const { proxy, admin } = await controller.addresses();
      await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
      return new PoolCloud(prefix, cloud, controller, services, proxy, admin, dir);
    } catch (error) {
      await controller?.stop();
      await Promise.all(services.map((service) => service.stop()));
      await cloud?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  address(index: number): string {
    return `${this.prefix}.${index}:5000`;
  }

  status(): Promise<TrafficStatusView> {
    return getJson<TrafficStatusView>(this.admin.host, this.admin.port, '/status');
  }

  async waitForStatus(
    what: string,
    condition: (status: TrafficStatusView) => boolean,
    timeoutMs: number,
  ): Promise<TrafficStatusView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (condition(status)) return status;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(status.instances)}\n${this.controller.output}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sequential requests (each a scale-out trigger candidate) until `count` instances are admitted and healthy. */
  async growTo(count: number, timeoutMs = 60_000): Promise<TrafficStatusView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (
        status.instances.filter(
          (instance) => instance.state === 'admitted' && instance.health === 'healthy',
        ).length >= count
      )
        return status;
      if (Date.now() > deadline)
        throw new Error(
          `pool did not grow to ${count} within ${timeoutMs} ms: ${JSON.stringify(status.instances)}\n${this.controller.output}`,
        );
      const reply = await timedGet(this.proxy.host, this.proxy.port);
      if (reply.status !== 200)
        throw new Error(`growing the pool: GET / answered ${reply.status} ${reply.body}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.controller.stop();
    await Promise.all(this.services.map((service) => service.stop()));
    await this.cloud.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
