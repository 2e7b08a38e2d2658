/**
 * Acceptance (real cloud, < 2 min): the controller's placement on the openstack provider.
 *   - provider.openstack.serverGroup soft-anti-affinity: two clones boot into the group (checked
 *     with `openstack server group show` when the CLI is installed, else through the API);
 *   - a hard anti-affinity group on the one-host devcloud fails cleanly: one line on /status with
 *     Nova's real fault, and no retry;
 *   - quota: the admin lowers the project's instance quota to what it uses; the next scale-out
 *     waits with the message (no create call), and goes on once the quota is restored (in a
 *     finally, whatever happened).
 * The original is a local service given as provider.openstack.originalUrl; clones boot the base
 * image (they need not serve: the suite looks at placement, not traffic). Names: osa-acc-<hex>-*.
 */
import { execFileSync } from 'node:child_process';
import { OpenStackClient } from '@osa/openstack-client';
import { findSystemTool } from '@osa/openstack-testkit';
import { InProcessController } from '../e2e/support/in-process-controller';
import { ownLoopbackPrefix } from '../e2e/support/loopback';
import { ServiceInstance } from '../e2e/support/service-instance';
import { PlacementState } from '../src/providers/placement/placement-state';
import { StatusService } from '../src/admin/status.service';
import {
  AcceptanceCleanup,
  cloudVariables,
  describeWithCloud,
  runTag,
} from './devcloud-seed-support';

const settings = {
  network: process.env['OSA_ACC_NETWORK'] ?? 'test',
  baseImage: process.env['OSA_ACC_IMAGE'] ?? 'ubuntu',
  flavor: process.env['OSA_ACC_FLAVOR'] ?? 'm1.tiny',
  adminCloud:
    process.env['OSA_ACC_ADMIN_CLOUD'] ??
    (/^devcloud/.test(process.env['OS_CLOUD'] ?? '') ? 'devcloud-admin' : undefined),
};

/** The controller under test (module level so a failed wait can show what it said). */
let controller: InProcessController | undefined;

function progress(message: string): void {
  process.stderr.write(`[acceptance] ${message}\n`);
}

async function waitFor(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastLine = Date.now();
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs / 1000}s; the controller said:\n${controller?.logger.lines.slice(-30).join('\n') ?? ''}`,
      );
    if (Date.now() - lastLine > 10_000) {
      lastLine = Date.now();
      progress(`still waiting: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeWithCloud(
  'controller acceptance: server groups and quota on the openstack provider (real cloud)',
  () => {
    jest.setTimeout(300_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let original: ServiceInstance;
    let imageId: string;
    const names = { key: `${tag}-key`, prefix: `${tag}-auto-` };
    // Each test's controller gets a group of its own: with one shared group the hard-anti-affinity
    // test adopted the soft test's clones at start-up (restart recovery) instead of launching into
    // its hard group, and once waited 180 s for a placement block that never came.
    let controllersStarted = 0;

    beforeAll(async () => {
      client = OpenStackClient.fromEnvironment({ overrides: { timeoutMs: 30_000 } });
      const image = await client.image.images.findByName(settings.baseImage);
      if (!image) throw new Error(`image ${settings.baseImage} not found (set OSA_ACC_IMAGE)`);
      imageId = image.id;
      const prefix = ownLoopbackPrefix();
      original = await ServiceInstance.start(`${prefix}.1`, 5000);
      cleanup.add(`delete servers ${names.prefix}*`, async () => {
        const servers = await client.compute.servers.list({ name: `^${names.prefix}` }).toArray();
        await Promise.all(servers.map((s) => client.compute.servers.delete(s.id)));
        for (const s of servers)
          await client.compute.servers.waitForDeleted(s.id, { timeoutMs: 90_000 });
      });
      cleanup.add(`delete server groups ${tag}-*`, async () => {
        for (const g of await client.compute.serverGroups.list().toArray())
          if (g.name.startsWith(tag)) await client.compute.serverGroups.delete(g.id);
      });
      cleanup.add(`delete key pair ${names.key}`, () =>
        client.compute.keypairs.delete(names.key).then(() => undefined),
      );
      await client.compute.keypairs.create(names.key);
    });

    afterEach(async () => {
      await controller?.close();
      controller = undefined;
    });

    afterAll(async () => {
      try {
        await cleanup.runAll();
      } finally {
        await original?.stop();
        client?.close();
      }
    });

    async function start(
      openstack: Record<string, unknown>,
      scaling: Record<string, unknown> = {},
    ): Promise<InProcessController> {
      const prefix = ownLoopbackPrefix();
      controller = await InProcessController.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0 },
          provider: {
            kind: 'openstack',
            namePrefix: names.prefix,
            group: `${tag}-group-${++controllersStarted}`,
            openstack: {
              imageId,
              flavor: settings.flavor,
              network: settings.network,
              keyName: names.key,
              originalUrl: `http://${original.host}:5000`,
              ...openstack,
            },
          },
          scaling: {
            thresholdRequests: 1000,
            maxInstances: 3,
            statusPollInitialMs: 500,
            ...scaling,
          },
          health: { intervalMs: 500 },
        },
        cloudVariables(),
      );
      await controller.originalAdmitted(30_000);
      return controller;
    }

    it('soft-anti-affinity: two clones in the group, as `openstack server group show` says', async () => {
      const running = await start({
        serverGroup: { name: `${tag}-soft`, policy: 'soft-anti-affinity' },
      });
      running.scaling.setDesired(3, { source: 'manual', reason: 'acceptance' });
      let members: string[] = [];
      await waitFor(
        'two members in the group',
        async () => {
          const group = await client.compute.serverGroups.findByName(`${tag}-soft`);
          members = group?.members ?? [];
          return members.length === 2;
        },
        90_000,
      );
      const cli = findSystemTool('openstack');
      if (cli) {
        const shown = JSON.parse(
          execFileSync(
            cli,
            [
              '--os-compute-api-version',
              '2.64',
              'server',
              'group',
              'show',
              `${tag}-soft`,
              '-f',
              'json',
            ],
            { encoding: 'utf8', timeout: 60_000 },
          ),
        ) as { policy: string; members: string[] | string };
        const listed = Array.isArray(shown.members)
          ? shown.members
          : shown.members.split(/[,\s]+/).filter(Boolean);
        expect(shown.policy).toBe('soft-anti-affinity');
        expect(listed.sort()).toEqual([...members].sort());
      } else {
        progress(
          'openstack CLI not installed (apt-get install -y python3-openstackclient): the group was checked through the API only',
        );
      }
      const servers = await client.compute.servers.list({ name: `^${names.prefix}` }).toArray();
      expect(servers.map((s) => s.id).sort()).toEqual([...members].sort());
    });

    it("hard anti-affinity on the single host fails cleanly: one line with Nova's real fault, no retry", async () => {
      const running = await start({
        serverGroup: { name: `${tag}-hard`, policy: 'anti-affinity' },
        placement: { noValidHostRecheckMs: '10m' },
      });
      running.scaling.setDesired(3, { source: 'manual', reason: 'acceptance' });
      const placement = running.app.get(PlacementState);
      await waitFor('the placement block', () => placement.block !== undefined, 180_000);
      await waitFor(
        'the launches to end',
        () => running.scaling.inProgress() === undefined,
        120_000,
      );
      const blocked = running.app.get(StatusService).snapshot().placement.blocked;
      progress(`/status placement.blocked: ${blocked?.message}`);
      expect(blocked?.kind).toBe('no-valid-host');
      expect(blocked?.message).toMatch(
        /^(no host left that satisfies anti-affinity for group osa-acc-[0-9a-f]+-hard; use soft-anti-affinity or add hosts \(Nova: "No valid host was found\. There are not enough hosts available\."\)|the cloud cannot apply anti-affinity for group osa-acc-[0-9a-f]+-hard \(Nova: "ServerGroup policy is not supported: ServerGroupAntiAffinityFilter not configured"\); use soft-anti-affinity or ask the operator to enable the filter)$/,
      );
      const creates = running.logger.matching(/Nova accepted/).length;
      await new Promise((r) => setTimeout(r, 5_000));
      expect(running.logger.matching(/Nova accepted/).length).toBe(creates);
      expect(
        running.logger.matching(/WARN \[Placement\] (no host left|the cloud cannot apply)/),
      ).toHaveLength(1);
    });

    it('quota lowered by the admin: the next scale-out waits with the message, and goes on when it is raised (restored in a finally)', async () => {
      if (!settings.adminCloud) {
        progress(
          'quota check skipped: no admin cloud (set OSA_ACC_ADMIN_CLOUD to a clouds.yaml entry with admin rights)',
        );
        return;
      }
      const admin = OpenStackClient.fromCloud(settings.adminCloud, {
        overrides: { timeoutMs: 30_000 },
      });
      const projectId = (await client.identity.token()).projectId ?? '';
      const before = await client.compute.quotas.detail(projectId);
      // force: the devcloud is shared, so what the project uses may grow between reading and setting.
      const setInstances = (instances: number, force = false) =>
        admin.session.request('compute', {
          method: 'PUT',
          path: `/os-quota-sets/${projectId}`,
          json: { quota_set: { instances, ...(force ? { force: true } : {}) } },
        });
      try {
        const running = await start({ placement: { quotaRefreshIntervalMs: '2s' } });
        const used = (await client.compute.quotas.detail(projectId)).instances.inUse;
        await setInstances(used, true);
        progress(
          `instance quota of ${projectId} lowered from ${before.instances.limit} to ${used} (in use)`,
        );
        running.scaling.setDesired(2, { source: 'manual', reason: 'acceptance' });
        const placement = running.app.get(PlacementState);
        await waitFor('the quota block', () => placement.block !== undefined, 60_000);
        expect(placement.block).toMatchObject({ kind: 'quota', quota: { name: 'instances' } });
        expect(placement.block?.message).toMatch(
          /^quota instances: the next instance \(flavor m1\.tiny: 1 vCPU, 512 MiB\) needs 1, \d+ of \d+ are used: \d+ over; no create call until usage or the quota changes$/,
        );
        expect(running.logger.matching(/Nova accepted/)).toHaveLength(0);

        await setInstances(before.instances.limit);
        progress(`instance quota restored to ${before.instances.limit}`);
        await waitFor(
          'the scale-out to go on',
          () => running.logger.matching(/Nova accepted/).length === 1,
          60_000,
        );
        expect(placement.block).toBeUndefined();
      } finally {
        const restored = await client.compute.quotas.detail(projectId);
        if (restored.instances.limit !== before.instances.limit)
          await setInstances(before.instances.limit);
        admin.close();
      }
    });
  },
);
