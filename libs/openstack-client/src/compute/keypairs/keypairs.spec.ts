import { inspect } from 'node:util';
import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import { ConflictError, InvalidArgumentError } from '../../common/errors';
import {
  keypairsListResp,
  keypairsPostResp,
  PRIVATE_KEY,
} from './__fixtures__/keypairs-post-resp.v2-10.fixture';

const KEYPAIRS = '/compute/v2.1/os-keypairs';

describe('compute: keypairs', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start({ computeMaxMicroversion: '2.93' });
  });
  afterEach(async () => cloud.close());

  it('generates a keypair at 2.91 even when 2.93 was negotiated (Nova stopped generating at 2.92)', async () => {
    cloud.on('POST', KEYPAIRS, (req) => ({
      status: 201,
      body: keypairsPostResp((req.json() as { keypair: { name: string } }).keypair.name),
    }));
    const os = cloud.client();
    const keypair = await os.compute.keypairs.create('bake-key');
    os.close();
    const [post] = cloud.requestsTo('POST', KEYPAIRS);
    expect(post.headers['openstack-api-version']).toBe('compute 2.91');
    expect(post.json()).toEqual({ keypair: { name: 'bake-key' } });
    expect(keypair.name).toBe('bake-key');
    expect(keypair.privateKey.reveal()).toBe(PRIVATE_KEY);
    expect(`${JSON.stringify(keypair)} ${inspect(keypair)}`).not.toContain('BEGIN RSA PRIVATE KEY');
  });

  it('imports a public key at the negotiated version; a duplicate is a ConflictError', async () => {
    cloud.once('POST', KEYPAIRS, () => ({
      status: 409,
      body: { conflictingRequest: { code: 409, message: "Key pair 'mine' already exists." } },
    }));
    const os = cloud.client();
    const error = await os.compute.keypairs
      .import('mine', 'ssh-ed25519 AAAAC3Nza mine@host')
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ConflictError);
    const [post] = cloud.requestsTo('POST', KEYPAIRS);
    expect(post.headers['openstack-api-version']).toBe('compute 2.93');
    expect(post.json()).toEqual({
      keypair: { name: 'mine', public_key: 'ssh-ed25519 AAAAC3Nza mine@host' },
    });
  });

  it('refuses a name Nova would refuse', async () => {
    const os = cloud.client();
    await expect(os.compute.keypairs.create('bad/name')).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    os.close();
    expect(cloud.requestsTo('POST', KEYPAIRS)).toHaveLength(0);
  });

  it('lists keypairs (entries wrapped in "keypair"), following keypairs_links', async () => {
    cloud.on('GET', KEYPAIRS, (req) =>
      req.query.get('marker')
        ? { status: 200, body: keypairsListResp(['c']) }
        : {
            status: 200,
            body: keypairsListResp(['a', 'b'], `${cloud.computeUrl}/os-keypairs?marker=b`),
          },
    );
    const os = cloud.client();
    expect((await os.compute.keypairs.list().toArray()).map((k) => k.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    os.close();
  });

  it('deletes idempotently', async () => {
    cloud.on('DELETE', `${KEYPAIRS}/gone`, () => ({
      status: 404,
      body: { itemNotFound: { code: 404, message: 'Keypair gone not found for user fake' } },
    }));
    const os = cloud.client();
    expect(await os.compute.keypairs.delete('gone')).toBe(false);
    os.close();
  });
});
