// The fake cloud's state and its seed: what a freshly set-up project looks like (flavors
// m1.tiny/m1.small, an active `ubuntu` image, network `test` with a subnet, an external network
// `public` for floating IPs, and the project's `default` security group with Neutron's default
// egress rules).
import { createHash, randomUUID } from 'node:crypto';
import type {
  FakeCloudState,
  FakeFlavor,
  FakeImage,
  FakeNetwork,
  FakeQuota,
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  FakeSubnet,
} from '../fake-openstack.types';
import { timestamps } from '../http/wire';

export function emptyState(): FakeCloudState {
  return {
    servers: new Map(),
    flavors: new Map(),
    keypairs: new Map(),
    images: new Map(),
    networks: new Map(),
    subnets: new Map(),
    securityGroups: new Map(),
    securityGroupRules: new Map(),
    ports: new Map(),
    floatingIps: new Map(),
    loadBalancers: new Map(),
    listeners: new Map(),
    pools: new Map(),
    members: new Map(),
    healthMonitors: new Map(),
    serverGroups: new Map(),
  };
}

export function defaultQuota(): FakeQuota {
  return {
    instances: 10,
    cores: 20,
    ram: 51200,
    floatingIps: 50,
    securityGroupRules: 100,
    networks: 100,
    // Neutron's stock default is 500; the devcloud gives its demo project 100
    // (captures/neutron/14-quota-demo.txt), which is what the acceptance suites meet.
    ports: 100,
  };
}

export function newFlavor(
  fields: Partial<FakeFlavor> & Pick<FakeFlavor, 'id' | 'name'>,
): FakeFlavor {
  return {
    vcpus: 1,
    ram: 512,
    disk: 1,
    ephemeral: 0,
    swap: 0,
    rxtxFactor: 1,
    isPublic: true,
    description: null,
    extraSpecs: {},
    ...fields,
  };
}

export function newImage(fields: Partial<FakeImage> & { owner: string }): FakeImage {
  const now = timestamps.seconds();
  return {
    id: randomUUID(),
    name: null,
    status: 'queued',
    visibility: 'shared',
    protected: false,
    diskFormat: null,
    containerFormat: null,
    minDisk: 0,
    minRam: 0,
    size: null,
    virtualSize: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    tags: [],
    properties: {},
    createdAt: now,
    updatedAt: now,
    data: null,
    ...fields,
  };
}

/** Fill size and the checksums from image data, as Glance does after an upload. */
export function setImageData(image: FakeImage, data: Buffer): void {
  image.data = data;
  image.size = data.length;
  image.checksum = createHash('md5').update(data).digest('hex');
  image.osHashAlgo = 'sha512';
  image.osHashValue = createHash('sha512').update(data).digest('hex');
}

export function newNetwork(
  fields: Partial<FakeNetwork> & Pick<FakeNetwork, 'name' | 'projectId'>,
): FakeNetwork {
  const now = timestamps.seconds();
  return {
    id: randomUUID(),
    status: 'ACTIVE',
    adminStateUp: true,
    shared: false,
    external: false,
    mtu: 1450,
    subnetIds: [],
    description: '',
    createdAt: now,
    updatedAt: now,
    revisionNumber: 1,
    ...fields,
  };
}

export function newSubnet(
  fields: Partial<FakeSubnet> & Pick<FakeSubnet, 'name' | 'networkId' | 'projectId' | 'cidr'>,
): FakeSubnet {
  const now = timestamps.seconds();
  const base = fields.cidr.split('/')[0].split('.').slice(0, 3).join('.');
  return {
    id: randomUUID(),
    ipVersion: 4,
    gatewayIp: `${base}.1`,
    enableDhcp: true,
    allocationPools: [{ start: `${base}.2`, end: `${base}.254` }],
    dnsNameservers: [],
    description: '',
    createdAt: now,
    updatedAt: now,
    revisionNumber: 0,
    ...fields,
  };
}

export function newSecurityGroupRule(
  fields: Partial<FakeSecurityGroupRule> &
    Pick<FakeSecurityGroupRule, 'securityGroupId' | 'projectId'>,
): FakeSecurityGroupRule {
  const now = timestamps.seconds();
  return {
    id: randomUUID(),
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    description: '',
    createdAt: now,
    updatedAt: now,
    revisionNumber: 0,
    ...fields,
  };
}

export function newSecurityGroup(
  fields: Partial<FakeSecurityGroup> & Pick<FakeSecurityGroup, 'name' | 'projectId'>,
): FakeSecurityGroup {
  const now = timestamps.seconds();
  return {
    id: randomUUID(),
    description: '',
    stateful: true,
    createdAt: now,
    updatedAt: now,
    revisionNumber: 1,
    ...fields,
  };
}

/**
 * Neutron creates two egress rules (IPv4 + IPv6) with every security group; the project's
 * `default` group also gets two ingress rules from itself (captures/neutron/06-security-groups-default.txt).
 */
export function addDefaultRules(
  state: FakeCloudState,
  group: FakeSecurityGroup,
  ingressFromSelf: boolean,
): void {
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    const directions = ingressFromSelf ? (['egress', 'ingress'] as const) : (['egress'] as const);
    for (const direction of directions) {
      const rule = newSecurityGroupRule({
        securityGroupId: group.id,
        projectId: group.projectId,
        direction,
        ethertype,
        description: null,
        remoteGroupId: direction === 'ingress' ? group.id : null,
      });
      state.securityGroupRules.set(rule.id, rule);
    }
  }
}

export type SeedKind = 'reference' | 'devcloud';

/**
 * A freshly set-up project. `reference`: the tutorial's cloud (qcow2 `ubuntu`, `test-subnet`
 * 192.168.222.0/24 with DHCP, an external network `public` for floating IPs). `devcloud`: what the
 * Debian Zed devcloud seeds (/work/shared/devcloud/README.md; captures/glance/07-image-get.txt:
 * `ubuntu` is a 4096-byte raw image; captures/neutron/05-subnets.txt: `test-subnet`
 * 127.200.0.0/24, gateway .1, DHCP off; no external network, as there is no L3 plugin).
 */
export function seedState(
  state: FakeCloudState,
  projectId: string,
  adminProjectId: string,
  kind: SeedKind = 'reference',
): void {
  const devcloud = kind === 'devcloud';
  // Nova's classic default flavors, ids as on the devcloud (captures/nova/05-flavors-detail.txt).
  for (const flavor of [
    newFlavor({ id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 }),
    newFlavor({ id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }),
  ]) {
    state.flavors.set(flavor.id, flavor);
  }

  // Like the devcloud's: public, owned by the admin project, so the demo project cannot delete it.
  const ubuntu = newImage({
    name: 'ubuntu',
    status: 'active',
    visibility: 'public',
    diskFormat: devcloud ? 'raw' : 'qcow2',
    containerFormat: 'bare',
    owner: adminProjectId,
    properties: { os_distro: 'ubuntu' },
  });
  setImageData(ubuntu, devcloud ? Buffer.alloc(4096) : Buffer.from('fake ubuntu cloud image\n'));
  ubuntu.virtualSize = ubuntu.size;
  state.images.set(ubuntu.id, ubuntu);

  const test = newNetwork({ name: 'test', projectId });
  const testSubnet = newSubnet({
    name: 'test-subnet',
    networkId: test.id,
    projectId,
    cidr: devcloud ? '127.200.0.0/24' : '192.168.222.0/24',
    enableDhcp: !devcloud,
  });
  test.subnetIds.push(testSubnet.id);
  state.networks.set(test.id, test);
  state.subnets.set(testSubnet.id, testSubnet);

  if (!devcloud) {
    const publicNet = newNetwork({
      name: 'public',
      projectId,
      external: true,
      shared: false,
      mtu: 1500,
    });
    const publicSubnet = newSubnet({
      name: 'public-subnet',
      networkId: publicNet.id,
      projectId,
      cidr: '172.24.4.0/24',
      enableDhcp: false,
    });
    publicNet.subnetIds.push(publicSubnet.id);
    state.networks.set(publicNet.id, publicNet);
    state.subnets.set(publicSubnet.id, publicSubnet);
  }

  const defaultGroup = newSecurityGroup({
    name: 'default',
    projectId,
    description: 'Default security group',
  });
  state.securityGroups.set(defaultGroup.id, defaultGroup);
  addDefaultRules(state, defaultGroup, true);
}
