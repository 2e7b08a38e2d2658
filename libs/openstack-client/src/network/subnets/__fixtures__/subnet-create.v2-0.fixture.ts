/**
 * POST /v2.0/subnets, Networking API v2.0 "Create subnet", copied from neutron-lib
 * api-ref/source/v2/samples/subnets/subnet-create-request.json and subnet-create-response.json.
 * The response echoes what was sent over the sample's values, with the pool and gateway Neutron
 * derives for a /24 when none is given. `dns_publish_fixed_ip` and `segment_id` (extensions the
 * devcloud does not load) are dropped, and `tags` is [] as in /work/captures/neutron/05-subnets.txt.
 */
export const subnetCreateRequestSample = {
  subnet: {
    network_id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
    ip_version: 4,
    cidr: '192.168.199.0/24',
  },
};

export function subnetCreateResponse(
  id: string,
  sent: Record<string, unknown>,
): Record<string, unknown> {
  return {
    subnet: {
      name: '',
      enable_dhcp: true,
      network_id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
      project_id: '4fd44f30292945e481c7b8a0c8908869',
      tenant_id: '4fd44f30292945e481c7b8a0c8908869',
      dns_nameservers: [],
      allocation_pools: [{ start: '192.168.199.2', end: '192.168.199.254' }],
      host_routes: [],
      ip_version: 4,
      gateway_ip: '192.168.199.1',
      cidr: '192.168.199.0/24',
      id,
      created_at: '2016-10-10T14:35:47Z',
      description: '',
      ipv6_address_mode: null,
      ipv6_ra_mode: null,
      revision_number: 1,
      service_types: [],
      subnetpool_id: null,
      tags: [],
      updated_at: '2016-10-10T14:35:47Z',
      ...sent,
    },
  };
}

/**
 * The devcloud's answer to a subnet outside 127.0.0.0/8, byte for byte
 * (/work/captures/neutron/12-subnet-create-outside-127.txt: 400, request id
 * req-2d10dd48-9203-40a5-a0e3-e2380d540310).
 */
export const devcloudSubnetOutsideLoopback = {
  status: 400,
  requestId: 'req-2d10dd48-9203-40a5-a0e3-e2380d540310',
  body: {
    NeutronError: {
      type: 'InvalidInput',
      message:
        'Invalid input for operation: devcloud: only subnets inside 127.0.0.0/8 are allowed, so every server address is reachable on loopback (got 192.168.222.0/24).',
      detail: '',
    },
  },
};

/** Stock Neutron validation (/work/captures/neutron/12b-subnet-create-bad-cidr.txt: 400). */
export const subnetBadCidr = {
  NeutronError: {
    type: 'InvalidInput',
    message: 'Invalid input for operation: not-a-cidr is not in a CIDR format.',
    detail: '',
  },
};

/** Addresses still allocated (Networking API v2.0 "Delete subnet": 409 SubnetInUse). */
export const subnetInUse = (id: string) => ({
  NeutronError: {
    type: 'SubnetInUse',
    message: `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
    detail: '',
  },
});
