/**
 * POST /v2.0/networks, Networking API v2.0 "Create network", copied from neutron-lib
 * api-ref/source/v2/samples/networks/network-create-request.json and network-create-response.json.
 * The response echoes what was sent over the sample's values, as Neutron does; the extension
 * attributes the devcloud (Neutron 21.0.0, Zed) does not load (dns_domain, qos_policy_id,
 * l2_adjacency, vlan_transparent, is_default) are dropped, and `availability_zones` is [] as in
 * /work/captures/neutron/04-networks-name-test.txt.
 */
export const networkCreateRequestSample = {
  network: {
    name: 'sample_network',
    admin_state_up: true,
  },
};

export function networkCreateResponse(
  id: string,
  sent: Record<string, unknown>,
): Record<string, unknown> {
  return {
    network: {
      admin_state_up: true,
      availability_zone_hints: [],
      availability_zones: [],
      created_at: '2016-03-08T20:19:41',
      id,
      mtu: 1400,
      name: 'net1',
      port_security_enabled: true,
      project_id: '9bacb3c5d39d41a79512987f338cf177',
      revision_number: 1,
      'router:external': false,
      shared: false,
      status: 'ACTIVE',
      subnets: [],
      tenant_id: '9bacb3c5d39d41a79512987f338cf177',
      updated_at: '2016-03-08T20:19:41',
      description: '',
      ...sent,
    },
  };
}

/** Neutron's answer when ports still use the network (Networking API v2.0 "Delete network": 409). */
export const networkInUse = (id: string) => ({
  NeutronError: {
    type: 'NetworkInUse',
    message: `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
    detail: '',
  },
});
