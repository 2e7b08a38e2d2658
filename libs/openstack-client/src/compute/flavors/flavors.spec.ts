import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import { AmbiguousNameError, NotFoundError } from '../../common/errors';
import {
  flavor,
  flavorsDetailResp,
  legacyFlavor,
} from './__fixtures__/flavors-detail-resp.v2-75.fixture';

describe('compute: flavors', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
    cloud.on('GET', '/compute/v2.1/flavors/detail', () => ({
      status: 200,
      body: flavorsDetailResp([
        flavor('1', 'm1.tiny'),
        flavor('2', 'm1.small', { ram: 2048, disk: 20 }),
        legacyFlavor('3', 'dup'),
        flavor('4', 'dup'),
      ]),
    }));
  });
  afterEach(async () => cloud.close());

  it('reads flavors, including the pre-2.75 swap ""', async () => {
    const os = cloud.client();
    const flavors = await os.compute.flavors.list().toArray();
    os.close();
    expect(flavors[1]).toMatchObject({
      id: '2',
      name: 'm1.small',
      ramMb: 2048,
      diskGb: 20,
      vcpus: 1,
      swapMb: 0,
      isPublic: true,
      disabled: false,
    });
    expect(flavors[2].swapMb).toBe(0);
  });

  it('finds by id, then by exact name; ambiguous and missing names are clear errors', async () => {
    const os = cloud.client();
    expect((await os.compute.flavors.find('2')).name).toBe('m1.small');
    expect((await os.compute.flavors.find('m1.tiny')).id).toBe('1');
    const ambiguous = await os.compute.flavors.find('dup').catch((e: unknown) => e);
    const missing = await os.compute.flavors.find('m1.huge').catch((e: unknown) => e);
    os.close();
    expect(ambiguous).toBeInstanceOf(AmbiguousNameError);
    expect((ambiguous as Error).message).toBe('2 flavors are named "dup": 3, 4; use an id instead');
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toContain(
      'no flavor has the id or name "m1.huge"; flavors: m1.tiny (1), m1.small (2), dup (3), dup (4)',
    );
  });
});
