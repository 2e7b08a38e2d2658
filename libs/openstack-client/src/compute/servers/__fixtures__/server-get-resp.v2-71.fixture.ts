/**
 * GET /servers/{id} at microversion 2.71+, copied in shape from
 * nova doc/api_samples/servers/v2.71/server-get-resp.json (the shape the devcloud returns at
 * 2.79 and 2.93 for a non-admin, /work/captures/nova/22-server-get-active-2.79.txt, so the
 * admin-only OS-EXT-SRV-ATTR:* keys are left out).
 * `addresses` carries, in the sample's per-address shape, a fixed IPv4, a fixed IPv6 and a
 * floating IPv4 on network "private", and a second network "public": what a dual-stack server
 * with a floating IP looks like (API reference "Show Server Details": addresses).
 */
export const SERVER_ID = '84e2b49d-39a9-4d32-9100-e62161c236db';

export function serverGetRespV271(overrides: Record<string, unknown> = {}): {
  server: Record<string, unknown>;
} {
  return {
    server: {
      'OS-DCF:diskConfig': 'AUTO',
      'OS-EXT-AZ:availability_zone': 'nova',
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:vm_state': 'active',
      'OS-SRV-USG:launched_at': '2019-02-28T03:16:19.600768',
      'OS-SRV-USG:terminated_at': null,
      accessIPv4: '1.2.3.4',
      accessIPv6: '80fe::',
      addresses: {
        private: [
          {
            'OS-EXT-IPS-MAC:mac_addr': '00:0c:29:0d:11:74',
            'OS-EXT-IPS:type': 'fixed',
            addr: '192.168.1.30',
            version: 4,
          },
          {
            'OS-EXT-IPS-MAC:mac_addr': '00:0c:29:0d:11:74',
            'OS-EXT-IPS:type': 'fixed',
            addr: 'fd00:1::30',
            version: 6,
          },
          {
            'OS-EXT-IPS-MAC:mac_addr': '00:0c:29:0d:11:74',
            'OS-EXT-IPS:type': 'floating',
            addr: '172.24.4.10',
            version: 4,
          },
        ],
      },
      config_drive: '',
      created: '2019-02-28T03:16:18Z',
      description: null,
      flavor: {
        disk: 1,
        ephemeral: 0,
        extra_specs: {},
        original_name: 'm1.tiny',
        ram: 512,
        swap: 0,
        vcpus: 1,
      },
      hostId: '2091634baaccdc4c5a1d57069c833e402921df696b7f970791b12ec6',
      id: SERVER_ID,
      image: {
        id: '70a599e0-31e7-49b7-b260-868f441e862b',
        links: [
          {
            href: 'http://openstack.example.com/images/70a599e0-31e7-49b7-b260-868f441e862b',
            rel: 'bookmark',
          },
        ],
      },
      key_name: null,
      links: [
        { href: `http://openstack.example.com/v2.1/servers/${SERVER_ID}`, rel: 'self' },
        { href: `http://openstack.example.com/servers/${SERVER_ID}`, rel: 'bookmark' },
      ],
      locked: false,
      metadata: { 'My Server Name': 'Apache1' },
      name: 'new-server-test',
      'os-extended-volumes:volumes_attached': [],
      progress: 0,
      security_groups: [{ name: 'default' }],
      server_groups: [],
      status: 'ACTIVE',
      tags: [],
      tenant_id: '6f70656e737461636b20342065766572',
      trusted_image_certificates: null,
      updated: '2019-02-28T03:16:19Z',
      user_id: 'fake',
      ...overrides,
    },
  };
}

/**
 * A server in ERROR with a fault, as the devcloud returned it at 2.79 after a failed spawn
 * (/work/captures/nova/26-server-get-error-2.79.txt): no `progress`, no `security_groups`,
 * `addresses: {}`, `fault: {code, created, message}` (no `details` for a non-admin).
 */
export function serverGetErrorRespV271(serverId = SERVER_ID): { server: Record<string, unknown> } {
  const base = serverGetRespV271().server;
  delete base['progress'];
  delete base['security_groups'];
  return {
    server: {
      ...base,
      id: serverId,
      status: 'ERROR',
      addresses: {},
      hostId: '',
      'OS-EXT-AZ:availability_zone': '',
      'OS-EXT-STS:vm_state': 'error',
      'OS-EXT-STS:power_state': 0,
      fault: {
        code: 500,
        created: '2026-11-25T18:30:11Z',
        message: `Build of instance ${serverId} aborted: Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${serverId}.`,
      },
    },
  };
}

/** BUILD, as seen at 2.79 (/work/captures/nova/21-server-get-build-2.79.txt): empty addresses, task_state scheduling. */
export function serverGetBuildRespV271(serverId = SERVER_ID): { server: Record<string, unknown> } {
  const base = serverGetRespV271().server;
  delete base['security_groups'];
  return {
    server: {
      ...base,
      id: serverId,
      status: 'BUILD',
      addresses: {},
      hostId: '',
      'OS-EXT-STS:vm_state': 'building',
      'OS-EXT-STS:task_state': 'scheduling',
      'OS-EXT-STS:power_state': 0,
    },
  };
}
