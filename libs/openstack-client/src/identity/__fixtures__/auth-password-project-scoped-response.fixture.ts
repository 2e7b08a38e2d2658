/**
 * Keystone v3 "Password authentication with scoped authorization" response body.
 * Copied in shape from keystone api-ref/source/v3/samples/admin/auth-password-project-scoped-response.json
 * (Identity API v3.14), with the catalog entries the devcloud (Zed) returns
 * (/work/captures/keystone/03-auth-password-project-by-name.txt: `region_id` and `region` both set,
 * identity URL with a trailing slash). URLs point at the test's loopback server.
 */
export interface CatalogUrls {
  identity: string;
  compute: string;
  image: string;
  network: string;
}

export function projectScopedTokenBody(
  urls: CatalogUrls,
  issuedAt: Date,
  expiresAt: Date,
): Record<string, unknown> {
  const endpoints = (url: string, id: string) =>
    ['admin', 'internal', 'public'].map((iface) => ({
      id: `${id}-${iface}`,
      interface: iface,
      region_id: 'RegionOne',
      url,
      region: 'RegionOne',
    }));
  return {
    token: {
      methods: ['password'],
      user: {
        domain: { id: 'default', name: 'Default' },
        id: 'ee4dfb6e5540447cb3741905149d9b6e',
        name: 'admin',
        password_expires_at: null,
      },
      audit_ids: ['3T2dc1CGQxyJsHdDu1xkcw'],
      expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, '.000000Z'),
      issued_at: issuedAt.toISOString().replace(/\.\d{3}Z$/, '.000000Z'),
      project: {
        domain: { id: 'default', name: 'Default' },
        id: 'a6944d763bf64ee6a275f1263fae0352',
        name: 'admin',
      },
      is_domain: false,
      roles: [
        { id: '51cc68287d524c759f47c811e6463340', name: 'admin' },
        { id: '87aa5976eba34a66a53cc9d014aa4544', name: 'reader' },
      ],
      catalog: [
        {
          endpoints: endpoints(urls.compute, 'c'),
          id: '225d357adc624855abcd4480ba8efe5c',
          type: 'compute',
          name: 'nova',
        },
        {
          endpoints: endpoints(urls.image, 'g'),
          id: '2f39ddd2d8f24b3aa3d4d3e3a24a3ab8',
          type: 'image',
          name: 'glance',
        },
        {
          endpoints: endpoints(urls.network, 'n'),
          id: '6ee2a2b5b4ca4ec2a0a5d6fd15ba1b66',
          type: 'network',
          name: 'neutron',
        },
        {
          endpoints: endpoints(urls.identity, 'k'),
          id: '8fd2c6a1e4b94a5c9c1b7ab6fa0d2b1c',
          type: 'identity',
          name: 'keystone',
        },
      ],
    },
  };
}

/**
 * Keystone's 401 body (Identity API v3 "Unauthorized"; identical for a wrong password, an unknown
 * project and a bad application-credential secret on the devcloud, keystone/05-auth-wrong-password.txt).
 * keystonemiddleware answers Nova and Neutron 401s with the same shape (neutron/03-no-token.txt).
 */
export const keystoneUnauthorizedBody = {
  error: {
    code: 401,
    message: 'The request you have made requires authentication.',
    title: 'Unauthorized',
  },
};
