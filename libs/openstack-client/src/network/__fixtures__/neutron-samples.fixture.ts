/**
 * Neutron v2.0 bodies, copied in shape from neutron-lib api-ref/source/v2/samples/
 * (networks/networks-list-response.json, security-groups/security-group-rule-create-response.json,
 * security-groups/security-groups-list-response.json, ports/ports-list-response.json,
 * floatingips/floating-ip-create-response.json); fields as the devcloud (Neutron 21.0.0, Zed)
 * returns them for a non-admin (/work/captures/neutron/04-networks-name-test.txt, 07-sg-rule-create-tcp5000.txt,
 * 10-ports-device-id.txt).
 */
export function network(
  id: string,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    admin_state_up: true,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    created_at: '2016-03-08T20:19:41',
    id,
    mtu: 1450,
    name,
    port_security_enabled: true,
    project_id: '4fd44f30292945e481c7b8a0c8908869',
    'router:external': false,
    shared: false,
    status: 'ACTIVE',
    subnets: ['54d6f61d-db07-451c-9ab3-b9609b6b6f0b'],
    tenant_id: '4fd44f30292945e481c7b8a0c8908869',
    updated_at: '2016-03-08T20:19:41',
    revision_number: 1,
    tags: [],
    description: '',
    ...extra,
  };
}

export function securityGroupRule(
  id: string,
  securityGroupId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    direction: 'ingress',
    ethertype: 'IPv4',
    id,
    port_range_max: 5000,
    port_range_min: 5000,
    protocol: 'tcp',
    remote_group_id: null,
    remote_ip_prefix: '0.0.0.0/0',
    remote_address_group_id: null,
    normalized_cidr: '0.0.0.0/0',
    security_group_id: securityGroupId,
    project_id: 'e4f50856753b4dc6afee5fa6b9b6c550',
    tenant_id: 'e4f50856753b4dc6afee5fa6b9b6c550',
    revision_number: 0,
    created_at: '2018-03-19T19:16:56Z',
    updated_at: '2018-03-19T19:16:56Z',
    description: '',
    ...extra,
  };
}

export function securityGroup(
  id: string,
  name: string,
  projectId: string,
): Record<string, unknown> {
  return {
    description: name === 'default' ? 'Default security group' : '',
    id,
    name,
    security_group_rules: [
      securityGroupRule('93aa42e5-80db-4581-9391-3a608bd0e448', id, {
        direction: 'egress',
        protocol: null,
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: null,
      }),
    ],
    project_id: projectId,
    tenant_id: projectId,
    revision_number: 1,
    tags: [],
    stateful: true,
  };
}

export function port(id: string, deviceId: string, ip: string): Record<string, unknown> {
  return {
    admin_state_up: true,
    allowed_address_pairs: [],
    created_at: '2016-03-08T20:19:41',
    description: '',
    device_id: deviceId,
    device_owner: 'compute:nova',
    extra_dhcp_opts: [],
    fixed_ips: [{ ip_address: ip, subnet_id: 'a0304c3a-4f08-4c43-88af-d796509c97d2' }],
    id,
    mac_address: 'fa:16:3e:58:42:ed',
    name: '',
    network_id: 'a87cc70a-3e15-4acf-8205-9b711a3531b7',
    project_id: '7e02058126cc4950b75f9970368ba177',
    tenant_id: '7e02058126cc4950b75f9970368ba177',
    revision_number: 1,
    security_groups: ['f0ac4394-7e4a-4409-9701-ba8be283dbc3'],
    status: 'ACTIVE',
    tags: [],
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
    updated_at: '2016-03-08T20:19:41',
  };
}

export function floatingIp(
  id: string,
  portId: string | null,
  fixedIp: string | null,
): Record<string, unknown> {
  return {
    fixed_ip_address: fixedIp,
    floating_ip_address: '172.24.4.228',
    floating_network_id: '376da547-b977-4cfe-9cba-275c80debf57',
    id,
    port_id: portId,
    project_id: '4969c491a3c74ee4af974e6d800c62de',
    tenant_id: '4969c491a3c74ee4af974e6d800c62de',
    router_id: portId ? 'd23abc8d-2991-4a55-ba98-2aaea84cc72f' : null,
    status: portId ? 'ACTIVE' : 'DOWN',
    description: 'floating ip for testing',
    dns_domain: '',
    dns_name: '',
    port_details: null,
    tags: [],
    revision_number: 0,
    created_at: '2016-12-21T01:36:04Z',
    updated_at: '2016-12-21T01:36:04Z',
  };
}

/** Neutron errors: `{"NeutronError": {"type", "message", "detail": ""}}` (Networking API v2.0 "Faults"; devcloud captures). */
export const ruleExists = (ruleId: string) => ({
  NeutronError: {
    type: 'SecurityGroupRuleExists',
    message: `Security group rule already exists. Rule id is ${ruleId}.`,
    detail: '',
  },
});
export const overQuota = {
  NeutronError: {
    type: 'OverQuota',
    message: "Quota exceeded for resources: ['security_group_rule'].",
    detail: '',
  },
};
export const networkNotFound = (id: string) => ({
  NeutronError: {
    type: 'NetworkNotFound',
    message: `Network ${id} could not be found.`,
    detail: '',
  },
});
