/**
 * Acceptance (real cloud): Nova server groups in both wire forms, the group hint at create, the
 * project's quota detail and /limits, read by @osa/openstack-client. On the devcloud (one compute
 * host) a soft-anti-affinity group takes two members; a hard anti-affinity group cannot place a
 * second one (NoValidHost) -- or, where the scheduler lacks ServerGroupAntiAffinityFilter (the
 * devcloud's enabled_filters), not even the first ("ServerGroup policy is not supported"). The
 * test records which one this cloud says. Everything is named osa-acc-<hex>-* and deleted.
 */
import { OpenStackClient, type Server } from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  cleanupServer,
  clientFromEnvironment,
  describeWithCloud,
  runTag,
  waitOptions,
} from './devcloud-acceptance-support';

describeWithCloud(
  'openstack-client acceptance: server groups, scheduler hints, quota and limits (real cloud)',
  () => {
    jest.setTimeout(120_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let old: OpenStackClient;
    let boot: (name: string, group: string) => Promise<Server>;

    beforeAll(async () => {
      client = clientFromEnvironment();
      old = clientFromEnvironment({ computeMicroversion: '2.15' });
      const [image, flavor, network] = await Promise.all([
        client.image.images.findByName(acceptanceSettings.baseImage),
        client.compute.flavors.find(acceptanceSettings.flavor),
        client.network.networks.find(acceptanceSettings.network),
      ]);
      if (!image) throw new Error(`image ${acceptanceSettings.baseImage} not found`);
      boot = async (name, group) => {
        const ref = await client.compute.servers.create({
          name,
          imageId: image.id,
          flavorId: flavor.id,
          networks: [{ uuid: network.id }],
          schedulerHints: { group },
        });
        cleanupServer(cleanup, client, ref.id);
        return client.compute.servers
          .waitForStatus(ref.id, { target: 'ACTIVE', ...waitOptions(name, 90_000) })
          .catch(async () => client.compute.servers.get(ref.id));
      };
    });
    afterAll(async () => {
      try {
        await cleanup.runAll();
      } finally {
        client.close();
        old.close();
      }
    });

    const group = async (
      c: OpenStackClient,
      name: string,
      policy: 'anti-affinity' | 'soft-anti-affinity',
    ) => {
      const created = await c.compute.serverGroups.create({ name, policy });
      cleanup.add(`delete server group ${created.id}`, () =>
        c.compute.serverGroups.delete(created.id).then(() => undefined),
      );
      return created;
    };

    it('creates, shows, finds and deletes groups in the 2.64 form and the older policies form', async () => {
      const newer = await group(client, `${tag}-sg-new`, 'soft-anti-affinity');
      const older = await group(old, `${tag}-sg-old`, 'soft-anti-affinity');
      expect(newer).toMatchObject({
        name: `${tag}-sg-new`,
        policy: 'soft-anti-affinity',
        rules: {},
        members: [],
      });
      expect(older).toMatchObject({
        name: `${tag}-sg-old`,
        policy: 'soft-anti-affinity',
        members: [],
      });
      expect((await client.compute.serverGroups.get(older.id)).policy).toBe('soft-anti-affinity');
      expect((await client.compute.serverGroups.findByName(`${tag}-sg-new`))?.id).toBe(newer.id);
      expect(await client.compute.serverGroups.delete(older.id)).toBe(true);
      expect(await client.compute.serverGroups.delete(older.id)).toBe(false);
    });

    it("soft anti-affinity places two members on the one host; hard anti-affinity fails cleanly with Nova's own fault", async () => {
      const soft = await group(client, `${tag}-sg-soft`, 'soft-anti-affinity');
      const [a, b] = await Promise.all([
        boot(`${tag}-soft-1`, soft.id),
        boot(`${tag}-soft-2`, soft.id),
      ]);
      expect([a.status, b.status]).toEqual(['ACTIVE', 'ACTIVE']);
      expect((await client.compute.serverGroups.get(soft.id)).members.sort()).toEqual(
        [a.id, b.id].sort(),
      );

      const hard = await group(client, `${tag}-sg-hard`, 'anti-affinity');
      const first = await boot(`${tag}-hard-1`, hard.id);
      const failed = first.status === 'ERROR' ? first : await boot(`${tag}-hard-2`, hard.id);
      expect(failed.status).toBe('ERROR');
      process.stderr.write(
        `[acceptance] hard anti-affinity on this cloud: ${first.status === 'ERROR' ? 'the first member' : 'the second member'} failed: ${failed.fault?.message}\n`,
      );
      expect(failed.fault?.message).toMatch(
        /^(No valid host was found\. There are not enough hosts available\.|ServerGroup policy is not supported: ServerGroupAntiAffinityFilter not configured)$/,
      );
    });

    it('reads the quota detail and /limits of its own project, which agree', async () => {
      const projectId = (await client.identity.token()).projectId ?? '';
      const [detail, limits] = await Promise.all([
        client.compute.quotas.detail(projectId),
        client.compute.quotas.limits(),
      ]);
      expect(detail.projectId).toBe(projectId);
      expect(limits.maxTotalInstances).toBe(detail.instances.limit);
      expect(limits.maxTotalCores).toBe(detail.cores.limit);
      expect(limits.maxTotalRAMSize).toBe(detail.ram.limit);
      expect(detail.all['server_groups']).toEqual(
        expect.objectContaining({ limit: expect.any(Number), inUse: expect.any(Number) }),
      );
    });
  },
);
