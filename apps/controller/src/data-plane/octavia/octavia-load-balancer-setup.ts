import type { Listener, LoadBalancer, OpenStackClient, Pool } from '@osa/openstack-client';
import type { OctaviaDataPlaneConfig } from '../../config/octavia-data-plane.config';

/** The objects the data plane drives. */
export interface OctaviaTopology {
  loadBalancer: LoadBalancer;
  listener: Listener;
  pool: Pool;
  /** True when this controller created the load balancer (false: adopted). */
  created: boolean;
}

export interface SetupContext {
  client: OpenStackClient;
  config: OctaviaDataPlaneConfig;
  /** Backend protocol of the pool and its monitor. */
  signal: AbortSignal;
  log: (line: string) => void;
  /** Called right before each create: throws when this controller may not change the cloud (a standby). */
  beforeChange: (what: string) => void;
}

/** A refusal to start, naming the setting to fix. */
export class OctaviaSetupError extends Error {}

/**
 * Finds (by `loadBalancerId`, else by `loadBalancerName`) or creates the load balancer, then the
 * listener on `listenerPort` and its default pool (and the optional health monitor), waiting for
 * ACTIVE after each change. Adopted objects are used as they are; nothing else on them changes.
 */
export async function setUpLoadBalancer(ctx: SetupContext): Promise<OctaviaTopology> {
  const { client, config, signal } = ctx;
  const lbs = client.loadBalancer;
  const wait = (id: string): Promise<LoadBalancer> =>
    lbs.loadBalancers.waitForStatus(id, {
      target: 'ACTIVE',
      timeoutMs: config.changeTimeoutMs,
      intervalMs: 250,
      maxIntervalMs: 1_000,
      signal,
      onProgress: (p) => {
        if (p.attempt % 10 === 0)
          ctx.log(`load balancer ${id}: ${p.status} after ${Math.round(p.elapsedMs / 1000)} s`);
      },
    });

  let loadBalancer: LoadBalancer | undefined;
  let created = false;
  if (config.loadBalancerId) {
    loadBalancer = await lbs.loadBalancers.find(config.loadBalancerId, { signal });
    if (!loadBalancer)
      throw new OctaviaSetupError(
        `dataPlane.octavia.loadBalancerId: no load balancer ${config.loadBalancerId} in the project`,
      );
  } else {
    loadBalancer = await lbs.loadBalancers.findByName(config.loadBalancerName, { signal });
  }
  if (!loadBalancer) {
    if (!config.create)
      throw new OctaviaSetupError(
        `dataPlane.octavia: no load balancer named ${config.loadBalancerName} and create is false`,
      );
    if (!config.vipSubnet)
      throw new OctaviaSetupError(
        'dataPlane.octavia.vipSubnet: required to create the load balancer (a subnet name or id for its VIP)',
      );
    const subnet = await findSubnet(client, config.vipSubnet, signal);
    ctx.beforeChange(`create load balancer ${config.loadBalancerName}`);
    loadBalancer = await lbs.loadBalancers.create({
      name: config.loadBalancerName,
      vipSubnetId: subnet,
      description: 'created by openstack-autoscaler',
      tags: ['osa-autoscaler'],
      signal,
    });
    created = true;
    ctx.log(
      `created load balancer ${loadBalancer.name} (${loadBalancer.id}), VIP ${loadBalancer.vipAddress}`,
    );
  } else {
    ctx.log(
      `adopted load balancer ${loadBalancer.name} (${loadBalancer.id}), VIP ${loadBalancer.vipAddress}`,
    );
  }
  loadBalancer = await wait(loadBalancer.id);

  const listeners = await lbs.listeners.list({ loadBalancerId: loadBalancer.id, signal }).toArray();
  let listener = listeners.find(
    (l) => l.protocolPort === config.listenerPort && l.loadBalancerIds.includes(loadBalancer.id),
  );
  if (listener && listener.protocol !== 'HTTP')
    throw new OctaviaSetupError(
      `dataPlane.octavia.listenerPort: the listener on ${config.listenerPort} speaks ${listener.protocol}, not HTTP`,
    );
  if (!listener) {
    ctx.beforeChange(`create listener on port ${config.listenerPort}`);
    listener = await lbs.listeners.create({
      loadBalancerId: loadBalancer.id,
      protocol: 'HTTP',
      protocolPort: config.listenerPort,
      name: `${config.loadBalancerName}-http`,
      insertHeaders: { 'X-Forwarded-For': 'true' },
      signal,
    });
    ctx.log(`created listener ${listener.id} on ${loadBalancer.vipAddress}:${config.listenerPort}`);
    await wait(loadBalancer.id);
  }

  let pool = listener.defaultPoolId
    ? await lbs.pools.find(listener.defaultPoolId, { signal })
    : undefined;
  if (!pool) {
    ctx.beforeChange(`create pool of listener ${listener.id}`);
    pool = await lbs.pools.create({
      listenerId: listener.id,
      protocol: 'HTTP',
      lbAlgorithm: config.lbAlgorithm,
      name: `${config.loadBalancerName}-pool`,
      signal,
    });
    ctx.log(`created pool ${pool.id}`);
    await wait(loadBalancer.id);
  }
  if (config.healthMonitor && !pool.healthMonitorId) {
    ctx.beforeChange(`create health monitor of pool ${pool.id}`);
    const monitor = await lbs.healthMonitors.create({
      poolId: pool.id,
      type: 'HTTP',
      urlPath: config.healthMonitorPath,
      delaySeconds: 2,
      timeoutSeconds: 1,
      maxRetries: 1,
      maxRetriesDown: 2,
      name: `${config.loadBalancerName}-check`,
      signal,
    });
    ctx.log(`created health monitor ${monitor.id} (GET ${config.healthMonitorPath} every 2 s)`);
    await wait(loadBalancer.id);
  }
  return { loadBalancer, listener, pool, created };
}

async function findSubnet(
  client: OpenStackClient,
  nameOrId: string,
  signal: AbortSignal,
): Promise<string> {
  const byName = await client.network.subnets.list({ name: nameOrId, signal }).toArray();
  if (byName.length === 1) return byName[0].id;
  if (byName.length > 1)
    throw new OctaviaSetupError(
      `dataPlane.octavia.vipSubnet: ${byName.length} subnets are named ${nameOrId} (${byName.map((s) => s.id).join(', ')}); use an id`,
    );
  try {
    return (await client.network.subnets.get(nameOrId, { signal })).id;
  } catch {
    throw new OctaviaSetupError(
      `dataPlane.octavia.vipSubnet: no subnet named or with id ${nameOrId}`,
    );
  }
}
