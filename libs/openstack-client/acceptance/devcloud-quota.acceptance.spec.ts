/**
 * Acceptance, quota: with an admin cloud, lower the test project's instance quota to what it
 * already uses, hit it (Nova 403 forbidden "Quota exceeded for instances"), and ALWAYS put the
 * quota back (in the test and again in afterAll). Also: a non-admin may not change quotas.
 */
import { ForbiddenError, OpenStackClient, OpenStackHttpError, QuotaExceededError } from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  cleanupServer,
  clientFromEnvironment,
  describeWithCloud,
  runTag,
} from './devcloud-acceptance-support';

interface QuotaSet {
  instances: number;
}

async function failureOf(promise: Promise<unknown>): Promise<OpenStackHttpError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof OpenStackHttpError)) {
    throw new Error(
      `expected an OpenStackHttpError, got ${outcome === undefined ? 'success' : String(outcome)}`,
    );
  }
  return outcome;
}

/** GET /os-quota-sets/{project}/detail (Nova API reference "Show The Detail of Quota"). */
async function instanceUsage(
  client: OpenStackClient,
  projectId: string,
): Promise<{ limit: number; inUse: number }> {
  const res = await client.session.request('compute', {
    method: 'GET',
    path: `/os-quota-sets/${projectId}/detail`,
  });
  const body = JSON.parse(res.body.toString('utf8')) as {
    quota_set: { instances: { limit: number; in_use: number; reserved: number } };
  };
  return { limit: body.quota_set.instances.limit, inUse: body.quota_set.instances.in_use };
}

/** PUT /os-quota-sets/{project} (admin). Returns the quota set Nova stored. */
async function setInstanceQuota(
  client: OpenStackClient,
  projectId: string,
  instances: number,
): Promise<QuotaSet> {
  const res = await client.session.request('compute', {
    method: 'PUT',
    path: `/os-quota-sets/${projectId}`,
    json: { quota_set: { instances } },
  });
  return (JSON.parse(res.body.toString('utf8')) as { quota_set: QuotaSet }).quota_set;
}

describeWithCloud(
  'openstack-client acceptance: Nova quota errors (real cloud, admin needed)',
  () => {
    jest.setTimeout(120_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;
    let admin: OpenStackClient | undefined;
    let projectId: string;
    let originalLimit: number | undefined;

    beforeAll(async () => {
      client = clientFromEnvironment();
      projectId = (await client.identity.token()).projectId ?? '';
      if (!projectId) throw new Error('the token of the cloud under test is not project-scoped');
      if (acceptanceSettings.adminCloud) {
        admin = OpenStackClient.fromCloud(acceptanceSettings.adminCloud, {
          overrides: { timeoutMs: 30_000 },
        });
      }
    });

    afterAll(async () => {
      try {
        // Put the quota back whatever happened (the test restores it too; this is the safety net).
        if (admin && originalLimit !== undefined) {
          const restored = await setInstanceQuota(admin, projectId, originalLimit);
          if (restored.instances !== originalLimit) {
            throw new Error(
              `could not restore the instance quota of ${projectId} to ${originalLimit} (now ${restored.instances})`,
            );
          }
        }
        await cleanup.runAll();
      } finally {
        client.close();
        admin?.close();
      }
    });

    it('a project member may not change quotas: Nova 403 policy error', async () => {
      const error = await failureOf(
        client.session.request('compute', {
          method: 'PUT',
          path: `/os-quota-sets/${projectId}`,
          json: { quota_set: { instances: 1 } },
        }),
      );
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error).not.toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({ status: 403, errorType: 'forbidden' });
      expect(error.serverMessage).toBe(
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
      );
    });

    it('creating a server over the instance quota is Nova 403 "Quota exceeded", a QuotaExceededError; the quota is restored', async () => {
      if (!admin) {
        process.stderr.write(
          '[acceptance] quota check skipped: no admin cloud (set OSA_ACC_ADMIN_CLOUD to a clouds.yaml entry with admin rights)\n',
        );
        return;
      }
      const image = await client.image.images.findByName(acceptanceSettings.baseImage);
      const flavor = await client.compute.flavors.find(acceptanceSettings.flavor);
      const network = await client.network.networks.find(acceptanceSettings.network);
      if (!image) throw new Error(`image "${acceptanceSettings.baseImage}" not found`);

      const before = await instanceUsage(client, projectId);
      originalLimit = before.limit;
      // The lowest quota that still lets nothing new in: what the project already uses.
      const lowered = before.inUse;
      try {
        expect((await setInstanceQuota(admin, projectId, lowered)).instances).toBe(lowered);
        const name = `${tag}-over-quota`;
        const attempt = client.compute.servers.create({
          name,
          imageId: image.id,
          flavorId: flavor.id,
          networks: [{ uuid: network.id }],
        });
        // Should Nova let it through after all, make sure it does not outlive the test.
        attempt.then(
          (ref) => cleanupServer(cleanup, client, ref.id),
          () => undefined,
        );
        const error = await failureOf(attempt);
        expect(error).toBeInstanceOf(QuotaExceededError);
        expect(error).toMatchObject({ status: 403, service: 'compute', errorType: 'forbidden' });
        expect(error.serverMessage).toBe(
          `Quota exceeded for instances: Requested 1, but already used ${lowered} of ${lowered} instances`,
        );
      } finally {
        const restored = await setInstanceQuota(admin, projectId, before.limit);
        expect(restored.instances).toBe(before.limit);
      }
      expect((await instanceUsage(client, projectId)).limit).toBe(before.limit);
    });
  },
);
