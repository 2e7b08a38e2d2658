/**
 * GET /servers/{id} at microversion 2.1, copied in shape from
 * nova doc/api_samples/servers/server-get-resp.json: `flavor` is `{id, links}`, no `tags`,
 * no `locked` (and as for a non-admin, /work/captures/nova/22b-server-get-active-2.1.txt).
 */
export function serverGetRespV21(serverId: string): { server: Record<string, unknown> } {
  return {
    server: {
      'OS-DCF:diskConfig': 'AUTO',
      'OS-EXT-AZ:availability_zone': 'nova',
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:vm_state': 'active',
      'OS-SRV-USG:launched_at': '2013-09-23T13:37:00.880302',
      'OS-SRV-USG:terminated_at': null,
      accessIPv4: '1.2.3.4',
      accessIPv6: '80fe::',
      addresses: {
        private: [
          {
            'OS-EXT-IPS-MAC:mac_addr': 'aa:bb:cc:dd:ee:ff',
            'OS-EXT-IPS:type': 'fixed',
            addr: '192.168.1.30',
            version: 4,
          },
        ],
      },
      config_drive: '',
      created: '2013-09-03T04:01:32Z',
      flavor: {
        id: '1',
        links: [{ href: 'http://openstack.example.com/flavors/1', rel: 'bookmark' }],
      },
      hostId: '92154fab69d5883ba2c8622b7e65f745dd33257221c07af363c51b29',
      id: serverId,
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
      links: [{ href: `http://openstack.example.com/v2.1/servers/${serverId}`, rel: 'self' }],
      metadata: { 'My Server Name': 'Apache1' },
      name: 'new-server-test',
      'os-extended-volumes:volumes_attached': [],
      progress: 0,
      security_groups: [{ name: 'default' }],
      status: 'ACTIVE',
      tenant_id: '6f70656e737461636b20342065766572',
      updated: '2013-09-03T04:01:33Z',
      user_id: 'fake',
    },
  };
}
