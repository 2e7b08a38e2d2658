// A deliberately thin HTTP helper for the testkit's own specs: node's fetch, nothing from
// @osa/openstack-client (the fake must be checked against the wire, not against our client).
import type { FakeOpenStack } from '../src/index';

/** Wire JSON as the specs poke at it; the assertions are the type check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface WireReply {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export interface WireCallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function wire(url: string, options: WireCallOptions = {}): Promise<WireReply> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers['X-Auth-Token'] = options.token;
  let body: string | Buffer | undefined;
  if (Buffer.isBuffer(options.body) || typeof options.body === 'string') {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body,
    signal: options.signal ?? AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function passwordAuthBody(
  cloud: FakeOpenStack,
  user: 'member' | 'admin' = 'member',
): unknown {
  const c = user === 'admin' ? cloud.adminCredentials : cloud.credentials;
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: c.username, domain: { name: c.userDomainName }, password: c.password },
        },
      },
      scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
    },
  };
}

/** Password-authenticate (as the project member unless told) and return the token. */
export async function login(
  cloud: FakeOpenStack,
  user: 'member' | 'admin' = 'member',
): Promise<string> {
  const reply = await wire(`${cloud.authUrl}/v3/auth/tokens`, {
    method: 'POST',
    body: passwordAuthBody(cloud, user),
  });
  const token = reply.headers.get('x-subject-token');
  if (reply.status !== 201 || !token)
    throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return token;
}

export interface ServiceCaller {
  (path: string, options?: WireCallOptions & { microversion?: string }): Promise<WireReply>;
}

/** Per-service callers bound to a token; `microversion` sets OpenStack-API-Version for compute. */
export function servicesOf(cloud: FakeOpenStack, token: string) {
  const bind =
    (base: string, kind: 'compute' | 'other'): ServiceCaller =>
    (path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (kind === 'compute' && options.microversion)
        headers['OpenStack-API-Version'] = `compute ${options.microversion}`;
      return wire(`${base}${path}`, { token, ...options, headers });
    };
  return {
    compute: bind(cloud.endpoints.compute, 'compute'),
    image: bind(cloud.endpoints.image, 'other'),
    network: bind(cloud.endpoints.network, 'other'),
  };
}

/** The body of a minimal valid server create on the seeded cloud. */
export function serverBody(
  cloud: FakeOpenStack,
  fields: Record<string, unknown> = {},
): { server: Record<string, unknown> } {
  const image = [...cloud.state.images.values()].find((i) => i.name === 'ubuntu');
  const network = [...cloud.state.networks.values()].find((n) => n.name === 'test');
  return {
    server: {
      name: 'srv',
      imageRef: image?.id,
      flavorRef: '1',
      networks: [{ uuid: network?.id }],
      ...fields,
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
