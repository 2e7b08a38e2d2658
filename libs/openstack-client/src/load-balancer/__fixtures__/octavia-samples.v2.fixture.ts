// Octavia v2 bodies shaped like openstack/octavia api-ref/source/v2/examples/
// (loadbalancer-create-response.json, member-create-response.json, loadbalancer-stats-response.json,
// loadbalancer-status-response.json), written for these tests; the error body and the extra
// `tenant_id` / `additional_vips` / `_links` keys are what the devcloud's Octavia 11 (Zed) sends.

export const loadBalancerCreateResponse = {
  loadbalancer: {
    description: 'front door of the web group',
    admin_state_up: true,
    project_id: 'e3cd678b11784734bc366148aa37580e',
    tenant_id: 'e3cd678b11784734bc366148aa37580e',
    provisioning_status: 'PENDING_CREATE',
    flavor_id: null,
    vip_subnet_id: 'd4af86e1-0051-488c-b7a0-527f97490c9a',
    vip_address: '203.0.113.50',
    vip_network_id: 'd0d217df-3958-4fbf-a3c2-8dad2908c709',
    vip_port_id: 'b4ca07d1-a31e-43e2-891a-7d14f419f342',
    additional_vips: [],
    provider: 'amphora',
    created_at: '2026-11-28T00:41:44',
    updated_at: null,
    id: '607226db-27ef-4d41-ae89-f2a800e9c2db',
    operating_status: 'OFFLINE',
    name: 'web-lb',
    listeners: [],
    pools: [],
    vip_qos_policy_id: null,
    tags: ['osa-group'],
  },
};

export const memberCreateResponse = {
  member: {
    monitor_port: 8080,
    project_id: 'e3cd678b11784734bc366148aa37580e',
    name: 'web-server-1',
    weight: 20,
    admin_state_up: true,
    subnet_id: 'bbb35f84-35cc-4b2f-84c2-a6a29bba68aa',
    created_at: '2026-11-28T17:21:34',
    provisioning_status: 'ACTIVE',
    monitor_address: null,
    updated_at: '2026-11-28T17:21:37',
    address: '192.0.2.16',
    protocol_port: 80,
    id: '957a1ace-1bd2-449b-8455-820b6e4b63f3',
    operating_status: 'NO_MONITOR',
    backup: false,
    tags: [],
  },
};

export const loadBalancerStatsResponse = {
  stats: {
    bytes_in: 131342840,
    total_connections: 52378345,
    active_connections: 97258,
    bytes_out: 1549542372,
    request_errors: 0,
  },
};

export const statusTreeResponse = {
  statuses: {
    loadbalancer: {
      name: 'web-lb',
      provisioning_status: 'ACTIVE',
      listeners: [
        {
          name: 'http',
          provisioning_status: 'ACTIVE',
          pools: [
            {
              name: 'web',
              provisioning_status: 'ACTIVE',
              healthmonitor: {
                type: 'HTTP',
                id: '0b608787-ea2d-48c7-89a1-8b8c24fa3b17',
                name: 'web-check',
                provisioning_status: 'ACTIVE',
              },
              members: [
                {
                  name: '',
                  provisioning_status: 'ACTIVE',
                  address: '192.0.2.20',
                  protocol_port: 80,
                  id: '3c6857f4-057a-405a-9134-bdeaa8796c8a',
                  operating_status: 'ERROR',
                },
              ],
              id: '89a47f78-cf81-480b-ad74-bba4177eeb81',
              operating_status: 'DEGRADED',
            },
          ],
          l7policies: [],
          id: '78febaf6-1e63-47c6-af5f-7b5e23fd7094',
          operating_status: 'DEGRADED',
        },
      ],
      pools: [
        {
          name: 'spare',
          provisioning_status: 'ACTIVE',
          healthmonitor: {},
          members: [],
          id: '8189d6a9-646e-4d23-b742-548dab991951',
          operating_status: 'ONLINE',
        },
      ],
      id: '84faceee-cb97-48d0-93df-9e41d40d4cb4',
      operating_status: 'DEGRADED',
    },
  },
};

/** 409 while the load balancer is PENDING_*, exactly as the devcloud's Octavia words it. */
export const immutableErrorBody = {
  faultcode: 'Client',
  faultstring:
    'Load Balancer 607226db-27ef-4d41-ae89-f2a800e9c2db is immutable and cannot be updated.',
  debuginfo: null,
};
