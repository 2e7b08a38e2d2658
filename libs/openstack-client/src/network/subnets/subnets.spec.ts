import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import {
  BadRequestError,
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  ServiceUnavailableError,
} from '../../common/errors';
import { networkNotFound } from '../__fixtures__/neutron-samples.fixture';
import type { CreateSubnetOptions } from './requests';
import {
  devcloudSubnetOutsideLoopback,
  subnetBadCidr,
  subnetCreateRequestSample,
  subnetCreateResponse,
  subnetInUse,
} from './__fixtures__/subnet-create.v2-0.fixture';

const N = '/network/v2.0';
const NET = 'd32019d3-bc6e-4319-9c1d-6722fc136a22';
const SUBNET = '3b80198d-4f7b-4f77-9ef5-774d54e17126';

describe('network: subnets.create / subnets.delete (Neutron v2.0)', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  const echoCreate = (): void => {
    cloud.on('POST', `${N}/subnets`, (req) => ({
      status: 201,
      body: subnetCreateResponse(
        SUBNET,
        (req.json() as { subnet: Record<string, unknown> }).subnet,
      ),
    }));
  };
  const sentBodies = (): unknown[] => cloud.requestsTo('POST', `${N}/subnets`).map((r) => r.json());

  it("sends the API reference's request body (ipVersion defaults to 4) and reads the subnet", async () => {
    echoCreate();
    const os = cloud.client();
    const subnet = await os.network.subnets.create({
      networkId: NET,
      name: 'test-subnet',
      cidr: '192.168.199.0/24',
    });
    os.close();
    expect(sentBodies()).toEqual([
      { subnet: { ...subnetCreateRequestSample.subnet, name: 'test-subnet' } },
    ]);
    expect(subnet).toEqual({
      id: SUBNET,
      name: 'test-subnet',
      networkId: NET,
      cidr: '192.168.199.0/24',
      ipVersion: 4,
      gatewayIp: '192.168.199.1',
      enableDhcp: true,
      allocationPools: [{ start: '192.168.199.2', end: '192.168.199.254' }],
      dnsNameservers: [],
      projectId: '4fd44f30292945e481c7b8a0c8908869',
    });
  });

  it('sends every option with its wire name; gatewayIp null means no gateway', async () => {
    echoCreate();
    const os = cloud.client();
    const seed = await os.network.subnets.create({
      networkId: NET,
      name: 'test-subnet',
      cidr: '192.168.222.0/24',
      ipVersion: 4,
      gatewayIp: '192.168.222.1',
      enableDhcp: false,
      dnsNameservers: ['192.168.222.53', '9.9.9.9'],
      allocationPools: [{ start: '192.168.222.10', end: '192.168.222.99' }],
      description: 'seed section 4',
    });
    const noGateway = await os.network.subnets.create({
      networkId: NET,
      name: 'v6',
      cidr: '2001:db8:0:1::/64',
      ipVersion: 6,
      gatewayIp: null,
    });
    os.close();
    expect(sentBodies()).toEqual([
      {
        subnet: {
          network_id: NET,
          name: 'test-subnet',
          ip_version: 4,
          cidr: '192.168.222.0/24',
          gateway_ip: '192.168.222.1',
          enable_dhcp: false,
          dns_nameservers: ['192.168.222.53', '9.9.9.9'],
          allocation_pools: [{ start: '192.168.222.10', end: '192.168.222.99' }],
          description: 'seed section 4',
        },
      },
      {
        subnet: {
          network_id: NET,
          name: 'v6',
          ip_version: 6,
          cidr: '2001:db8:0:1::/64',
          gateway_ip: null,
        },
      },
    ]);
    expect(seed).toMatchObject({
      gatewayIp: '192.168.222.1',
      enableDhcp: false,
      dnsNameservers: ['192.168.222.53', '9.9.9.9'],
      allocationPools: [{ start: '192.168.222.10', end: '192.168.222.99' }],
    });
    expect(noGateway).toMatchObject({ ipVersion: 6, gatewayIp: undefined });
  });

  it("the devcloud's 400 for a subnet outside 127.0.0.0/8 is a BadRequestError carrying Neutron's text and the request id", async () => {
    cloud.on('POST', `${N}/subnets`, () => ({
      status: devcloudSubnetOutsideLoopback.status,
      body: devcloudSubnetOutsideLoopback.body,
      headers: { 'x-openstack-request-id': devcloudSubnetOutsideLoopback.requestId },
    }));
    const os = cloud.client();
    const error = (await os.network.subnets
      .create({ networkId: NET, name: 'test-subnet', cidr: '192.168.222.0/24' })
      .catch((e: unknown) => e)) as BadRequestError;
    os.close();
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      service: 'network',
      method: 'POST',
      errorType: 'InvalidInput',
      requestId: 'req-2d10dd48-9203-40a5-a0e3-e2380d540310',
      serverMessage:
        'Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24).',
    });
    expect(error.message).toBe(
      `network: POST ${cloud.networkUrl}/v2.0/subnets -> 400: Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24). [req-2d10dd48-9203-40a5-a0e3-e2380d540310]`,
    );
    // A POST is never replayed, not even a refused one.
    expect(sentBodies()).toHaveLength(1);
  });

  it("Neutron's own CIDR check (a 400 we did not pre-empt) and a missing network keep their types", async () => {
    // Newest registration answers first: 404, then 400.
    cloud.once('POST', `${N}/subnets`, () => ({ status: 400, body: subnetBadCidr }));
    cloud.once('POST', `${N}/subnets`, () => ({ status: 404, body: networkNotFound(NET) }));
    const os = cloud.client();
    const options = { networkId: NET, name: 's', cidr: '10.0.0.0/24' };
    const missing = await os.network.subnets.create(options).catch((e: unknown) => e);
    const bad = await os.network.subnets.create(options).catch((e: unknown) => e);
    os.close();
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).serverMessage).toBe(`Network ${NET} could not be found.`);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).serverMessage).toBe(
      'Invalid input for operation: not-a-cidr is not in a CIDR format.',
    );
  });

  it('refuses bad options before sending anything, naming the field and what is allowed', async () => {
    const base = { networkId: NET, name: 'test-subnet', cidr: '192.168.222.0/24' };
    const cases: Array<[Partial<CreateSubnetOptions> | Record<string, unknown>, string]> = [
      [{ ...base, networkId: '' }, 'createSubnet.networkId: is required (the network id)'],
      [{ ...base, name: undefined }, 'createSubnet.name: is required (a string)'],
      [{ ...base, ipVersion: 5 }, 'createSubnet.ipVersion: 5 is not an IP version (allowed: 4, 6)'],
      [
        { ...base, cidr: 'not-a-cidr' },
        'createSubnet.cidr: "not-a-cidr" is not a CIDR (expected address/prefix, e.g. 192.168.222.0/24)',
      ],
      [
        { ...base, cidr: '192.168.300.0/24' },
        'createSubnet.cidr: "192.168.300.0" is not an IPv4 address',
      ],
      [
        { ...base, cidr: '192.168.222.0/33' },
        'createSubnet.cidr: prefix /33 is longer than 32 bits',
      ],
      [
        { ...base, cidr: '192.168.222.1/24' },
        'createSubnet.cidr: "192.168.222.1/24" has host bits set (did you mean 192.168.222.0/24?)',
      ],
      [
        { ...base, cidr: '2001:db8::/64' },
        'createSubnet.cidr: "2001:db8::/64" is an IPv6 CIDR, but ipVersion is 4',
      ],
      [
        { ...base, cidr: '2001:db8::1/64', ipVersion: 6 },
        'createSubnet.cidr: "2001:db8::1/64" has host bits set (did you mean 2001:db8::/64?)',
      ],
      [
        { ...base, gatewayIp: '192.168.222' },
        'createSubnet.gatewayIp: "192.168.222" is not an IPv4 address',
      ],
      [
        { ...base, dnsNameservers: ['8.8.8.8', 'dns.example'] },
        'createSubnet.dnsNameservers[1]: "dns.example" is not an IPv4 address',
      ],
      [
        { ...base, allocationPools: [{ start: '192.168.222.10', end: '192.168.223.5' }] },
        'createSubnet.allocationPools[0].end: 192.168.223.5 is outside 192.168.222.0/24',
      ],
      [
        { ...base, allocationPools: [{ start: '192.168.222.99', end: '192.168.222.10' }] },
        'createSubnet.allocationPools[0]: start 192.168.222.99 is after end 192.168.222.10',
      ],
      [{ ...base, enableDhcp: 'no' }, 'createSubnet.enableDhcp: "no" is not a boolean'],
    ];
    const os = cloud.client();
    const messages: string[] = [];
    for (const [options] of cases) {
      const error = await os.network.subnets
        .create(options as CreateSubnetOptions)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      messages.push((error as Error).message);
    }
    os.close();
    expect(messages).toEqual(cases.map(([, message]) => message));
    expect(sentBodies()).toHaveLength(0);
  });

  it('never retries the create on a 503 (the subnet may exist)', async () => {
    cloud.on('POST', `${N}/subnets`, () => ({ status: 503, body: 'Service Unavailable' }));
    const os = cloud.client();
    const error = await os.network.subnets
      .create({ networkId: NET, name: 's', cidr: '10.0.0.0/24' })
      .catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(sentBodies()).toHaveLength(1);
  });

  it("deletes; already gone is false; Neutron's 409 SubnetInUse is a ConflictError", async () => {
    // Newest registration answers first: 409, then 204, then 404s.
    cloud.on('DELETE', `${N}/subnets/${SUBNET}`, () => ({
      status: 404,
      body: {
        NeutronError: {
          type: 'SubnetNotFound',
          message: `Subnet ${SUBNET} could not be found.`,
          detail: '',
        },
      },
    }));
    cloud.once('DELETE', `${N}/subnets/${SUBNET}`, () => ({ status: 204 }));
    cloud.once('DELETE', `${N}/subnets/${SUBNET}`, () => ({
      status: 409,
      body: subnetInUse(SUBNET),
    }));
    const os = cloud.client();
    const inUse = await os.network.subnets.delete(SUBNET).catch((e: unknown) => e);
    expect(await os.network.subnets.delete(SUBNET)).toBe(true);
    expect(await os.network.subnets.delete(SUBNET)).toBe(false);
    const strict = await os.network.subnets
      .delete(SUBNET, { ignoreMissing: false })
      .catch((e: unknown) => e);
    const empty = await os.network.subnets.delete('').catch((e: unknown) => e);
    os.close();
    expect(inUse).toBeInstanceOf(ConflictError);
    expect((inUse as ConflictError).errorType).toBe('SubnetInUse');
    expect(strict).toBeInstanceOf(NotFoundError);
    expect(empty).toBeInstanceOf(InvalidArgumentError);
    expect(cloud.requestsTo('DELETE', `${N}/subnets/${SUBNET}`)).toHaveLength(4);
  });
});
