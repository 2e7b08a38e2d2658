/**
 * Secrets never leave the client by accident: the password, the application-credential secret
 * and every token Keystone issued are searched for in errors (message, String, JSON, inspect),
 * logger events, and String/JSON/inspect of the client, its session and the resolved config,
 * also while a request is in flight (when a socket holds the request head with X-Auth-Token).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { OpenStackClient } from '../client';
import { ConfigError, UnauthorizedError } from '../common/errors';
import { resolveCloudConfig } from '../config/resolve-cloud-config';
import type { ClientEvent } from './session-types';

/** Every way an object commonly ends up in a log line. */
function renderings(value: unknown): string[] {
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch (error) {
    json = `JSON.stringify threw: ${(error as Error).message}`;
  }
  return [
    String(value),
    `${value as string}`,
    json,
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
  ];
}

function issuedTokens(cloud: FakeOpenStack): string[] {
  // The testkit keeps issued token ids private (tests read counts); we need the values to grep for.
  return cloud['tokens'].ids();
}

describe('secrets never leak from the client', () => {
  let cloud: FakeOpenStack;
  let dir: string;
  const clients: OpenStackClient[] = [];
  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-secrets-'));
  });
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function secrets(): string[] {
    const values = [
      cloud.credentials.password,
      cloud.credentials.applicationCredentialSecret,
      ...issuedTokens(cloud),
    ];
    expect(values.every((value) => value.length >= 20)).toBe(true);
    return values;
  }

  function leaksIn(texts: string[]): string[] {
    const all = texts.join('\n');
    return secrets().filter((secret) => all.includes(secret));
  }

  it.each([
    ['password (openrc)', () => cloud.openrcEnv()],
    ['application credential (openrc)', () => cloud.openrcEnv({ auth: 'application_credential' })],
  ])(
    '%s: events, errors, client, session and config while idle and mid-request',
    async (_what, env) => {
      const events: ClientEvent[] = [];
      const config = resolveCloudConfig({
        env: env(),
        files: { read: () => undefined },
        cwd: dir,
        homeDir: dir,
      });
      const client = OpenStackClient.fromConfig(config, {
        logger: (event) => events.push(event),
        retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20 },
      });
      clients.push(client);
      const texts: string[] = [];

      await client.compute.flavors.list().toArray();
      const notFound = await client.compute.servers
        .get('no-such-server')
        .catch((error: unknown) => error);
      texts.push(...renderings(notFound));

      // Mid-request: the socket holds the request head (X-Auth-Token) until the answer comes.
      cloud.inject({
        service: 'compute',
        method: 'GET',
        path: /\/flavors/,
        delayMs: 300,
        times: 1,
      });
      const slow = client.compute.flavors.list().toArray();
      await new Promise((resolve) => setTimeout(resolve, 100));
      texts.push(
        ...renderings(client),
        ...renderings(client.session),
        ...renderings(client.compute),
      );
      await slow;

      // A revoked token and then refused credentials: 401 re-authentication, then an UnauthorizedError.
      cloud.expireAllTokens();
      cloud.credentials.password = `${cloud.credentials.password}-changed`;
      cloud.credentials.applicationCredentialSecret = `${cloud.credentials.applicationCredentialSecret}-changed`;
      const refused = await client.compute.flavors
        .list()
        .toArray()
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UnauthorizedError);
      texts.push(...renderings(refused), (refused as Error).stack ?? '');

      texts.push(
        ...renderings(client),
        ...renderings(client.session),
        ...renderings(client.session.options),
        ...renderings(config),
        ...renderings(events),
      );
      expect(issuedTokens(cloud).length).toBeGreaterThanOrEqual(1);
      expect(
        events.some(
          (event) => event.type === 'auth' && event.action === 'reauthenticating-after-401',
        ),
      ).toBe(true);
      expect(leaksIn(texts)).toEqual([]);
    },
  );

  it('a bad clouds.yaml holding a password: the ConfigError names the key, never the value', () => {
    const password = cloud.credentials.password;
    const file = path.join(dir, 'clouds.yaml');
    fs.writeFileSync(
      file,
      cloud.cloudsYaml('fake').replace('identity_api_version: 3', 'identity_api_version: 2'),
    );
    let error: unknown;
    try {
      resolveCloudConfig({
        env: {
          OS_CLOUD: 'fake',
          OS_CLIENT_CONFIG_FILE: file,
          OS_APPLICATION_CREDENTIAL_SECRET: cloud.credentials.applicationCredentialSecret,
        },
        files: { read: (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined) },
        cwd: dir,
        homeDir: dir,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/identity_api_version/);
    const texts = [...renderings(error), (error as Error).stack ?? ''];
    expect(texts.join('\n')).not.toContain(password);
    expect(texts.join('\n')).not.toContain(cloud.credentials.applicationCredentialSecret);
  });
});
