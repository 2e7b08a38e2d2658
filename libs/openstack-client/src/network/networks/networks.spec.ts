import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  QuotaExceededError,
  ServiceUnavailableError,
} from '../../common/errors';
import { networkNotFound, overQuota } from '../__fixtures__/neutron-samples.fixture';
import {
  networkCreateRequestSample,
  networkCreateResponse,
  networkInUse,
} from './__fixtures__/network-create.v2-0.fixture';

const N = '/network/v2.0';
const NET = '4e8e5957-649f-477b-9e5b-f1f75b21c03c';

describe('network: networks.create / networks.delete (Neutron v2.0)', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  const echoCreate = (): void => {
    cloud.on('POST', `${N}/networks`, (req) => ({
      status: 201,
      body: networkCreateResponse(
        NET,
        (req.json() as { network: Record<string, unknown> }).network,
      ),
    }));
  };

  it("sends the API reference's request body and reads the created network", async () => {
    echoCreate();
    const os = cloud.client();
    const network = await os.network.networks.create({
      name: 'sample_network',
      adminStateUp: true,
    });
    os.close();
    expect(cloud.requestsTo('POST', `${N}/networks`)[0].json()).toEqual(networkCreateRequestSample);
    expect(network).toEqual({
      id: NET,
      name: 'sample_network',
      status: 'ACTIVE',
      adminStateUp: true,
      shared: false,
      external: false,
      subnetIds: [],
      projectId: '9bacb3c5d39d41a79512987f338cf177',
      mtu: 1400,
    });
  });

  it('sends only the options given, with their wire names', async () => {
    echoCreate();
    const os = cloud.client();
    await os.network.networks.create({ name: 'test' });
    const full = await os.network.networks.create({
      name: 'lab',
      adminStateUp: false,
      description: 'bake network',
      shared: false,
      mtu: 1450,
      portSecurityEnabled: true,
    });
    os.close();
    expect(cloud.requestsTo('POST', `${N}/networks`).map((r) => r.json())).toEqual([
      { network: { name: 'test' } },
      {
        network: {
          name: 'lab',
          admin_state_up: false,
          description: 'bake network',
          shared: false,
          mtu: 1450,
          port_security_enabled: true,
        },
      },
    ]);
    expect(full).toMatchObject({ name: 'lab', adminStateUp: false, mtu: 1450 });
  });

  it('refuses bad options before sending anything, naming the field (as a rejection)', async () => {
    const os = cloud.client();
    const cases: Array<[unknown, string]> = [
      [{}, 'createNetwork.name: is required (a string)'],
      [
        { name: 'x'.repeat(256) },
        'createNetwork.name: is 256 characters long (allowed: at most 255)',
      ],
      [
        { name: 'n', mtu: 12 },
        'createNetwork.mtu: 12 is not a usable MTU (allowed: an integer of at least 68 bytes (the IPv4 minimum), or omit it for the default)',
      ],
      [{ name: 'n', adminStateUp: 'yes' }, 'createNetwork.adminStateUp: "yes" is not a boolean'],
    ];
    for (const [options, message] of cases) {
      const pending = os.network.networks.create(options as { name: string });
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toBe(message);
    }
    os.close();
    expect(cloud.requestsTo('POST', `${N}/networks`)).toHaveLength(0);
  });

  it("maps Neutron's 409 OverQuota to QuotaExceededError", async () => {
    cloud.on('POST', `${N}/networks`, () => ({
      status: 409,
      body: {
        NeutronError: {
          ...overQuota.NeutronError,
          message: "Quota exceeded for resources: ['network'].",
        },
      },
    }));
    const os = cloud.client();
    const error = (await os.network.networks
      .create({ name: 'test' })
      .catch((e: unknown) => e)) as QuotaExceededError;
    os.close();
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.serverMessage).toBe("Quota exceeded for resources: ['network'].");
    expect(error.requestId).toMatch(/^req-\d+$/);
  });

  it('never retries the create on a 503 (the network may exist)', async () => {
    cloud.on('POST', `${N}/networks`, () => ({ status: 503, body: 'Service Unavailable' }));
    const os = cloud.client();
    const error = await os.network.networks.create({ name: 'test' }).catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(cloud.requestsTo('POST', `${N}/networks`)).toHaveLength(1);
  });

  it('deletes; an already-gone network is false, or NotFoundError with ignoreMissing: false', async () => {
    // Newest registration answers first: one 204, then 404s.
    cloud.on('DELETE', `${N}/networks/${NET}`, () => ({ status: 404, body: networkNotFound(NET) }));
    cloud.once('DELETE', `${N}/networks/${NET}`, () => ({ status: 204 }));
    const os = cloud.client();
    expect(await os.network.networks.delete(NET)).toBe(true);
    expect(await os.network.networks.delete(NET)).toBe(false);
    const strict = await os.network.networks
      .delete(NET, { ignoreMissing: false })
      .catch((e: unknown) => e);
    const empty = await os.network.networks.delete('').catch((e: unknown) => e);
    os.close();
    expect(strict).toBeInstanceOf(NotFoundError);
    expect((strict as NotFoundError).serverMessage).toBe(`Network ${NET} could not be found.`);
    expect(empty).toBeInstanceOf(InvalidArgumentError);
    expect((empty as Error).message).toBe('deleteNetwork.networkId: must be a non-empty id');
    expect(cloud.requestsTo('DELETE', /\/networks\/?$/)).toHaveLength(0);
  });

  it("a network with ports in use: Neutron's 409 NetworkInUse is a ConflictError with its text", async () => {
    cloud.on('DELETE', `${N}/networks/${NET}`, () => ({ status: 409, body: networkInUse(NET) }));
    const os = cloud.client();
    const error = (await os.network.networks.delete(NET).catch((e: unknown) => e)) as ConflictError;
    os.close();
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.errorType).toBe('NetworkInUse');
    expect(error.message).toContain('There are one or more ports still in use on the network.');
  });
});
