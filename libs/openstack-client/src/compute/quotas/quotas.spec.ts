import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import { QuotaExceededError } from '../../common/errors';
import { limitsResp, quotaDetailResp } from './__fixtures__/quotas.fixture';

describe('compute: quotas and limits', () => {
  let cloud: LoopbackCloud;
  afterEach(async () => cloud.close());

  it('reads /limits absolute and os-quota-sets detail', async () => {
    cloud = await LoopbackCloud.start();
    cloud.on('GET', '/compute/v2.1/limits', () => ({ status: 200, body: limitsResp }));
    cloud.on('GET', /\/compute\/v2\.1\/os-quota-sets\/[^/]+\/detail/, (req) => ({
      status: 200,
      body: quotaDetailResp(req.pathname.split('/')[4]),
    }));
    const os = cloud.client();
    const limits = await os.compute.quotas.limits();
    const detail = await os.compute.quotas.detail('p1');
    os.close();
    expect(limits).toMatchObject({
      maxTotalInstances: 50,
      maxTotalCores: 50,
      maxTotalRAMSize: 100000,
      totalInstancesUsed: 2,
      totalCoresUsed: 2,
      totalRAMUsed: 1024,
    });
    expect(detail.projectId).toBe('p1');
    expect(detail.cores).toEqual({ limit: 50, inUse: 2, reserved: 0 });
    expect(detail.all['server_groups']).toEqual({ limit: 10, inUse: 1, reserved: 0 });
  });

  it.each([
    [
      403,
      'forbidden',
      'Quota exceeded for cores: Requested 2, but already used 49 of 50 cores',
      { quota: 'cores', requested: 2, used: 49, limit: 50 },
    ],
    [
      413,
      'overLimit',
      'Quota exceeded for ram: Requested 2048, but already used 99000 of 100000 ram',
      { quota: 'ram', requested: 2048, used: 99000, limit: 100000 },
    ],
    [
      403,
      'forbidden',
      'Quota exceeded for instances: Requested 1, but already used 3 of 3 instances',
      { quota: 'instances', requested: 1, used: 3, limit: 3 },
    ],
  ])(
    'a %d quota answer from create is a QuotaExceededError naming the quota',
    async (status, key, message, expected) => {
      cloud = await LoopbackCloud.start();
      cloud.on('POST', '/compute/v2.1/servers', () => ({
        status,
        body: { [key]: { code: status, message } },
      }));
      const os = cloud.client();
      const error = await os.compute.servers
        .create({ name: 's', imageId: 'i', flavorId: '1', networks: 'none' })
        .catch((e: unknown) => e);
      os.close();
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject(expected);
    },
  );
});
