/**
 * Acceptance, identity and versions: Keystone v3 auth from clouds.yaml and from an openrc's
 * variables, the real catalog, compute microversion negotiation, and real auth/version errors.
 * Runs against the cloud in OS_CLOUD / OS_AUTH_URL (CI: the devcloud); skips without one.
 */
import * as fs from 'node:fs';
import { inspect } from 'node:util';
import {
  MicroversionNotSupportedError,
  OpenStackClient,
  OpenStackHttpError,
  UnauthorizedError,
  type ClientEvent,
} from '../src';
import {
  acceptanceSettings,
  clientFromEnvironment,
  describeWithCloud,
  isDevcloud,
  parseOpenrc,
} from './devcloud-acceptance-support';

describeWithCloud(
  'openstack-client acceptance: identity, catalog, microversions (real cloud)',
  () => {
    jest.setTimeout(60_000);
    const clients: OpenStackClient[] = [];
    const track = (client: OpenStackClient): OpenStackClient => {
      clients.push(client);
      return client;
    };
    afterAll(() => clients.forEach((c) => c.close()));

    it('authenticates from clouds.yaml (OS_CLOUD) and gets a project-scoped token with a catalog', async () => {
      const client = track(clientFromEnvironment());
      const token = await client.identity.token();
      expect(token.projectId).toMatch(/^[0-9a-f]{32}$/);
      expect(token.userId).toMatch(/^[0-9a-f]{32}$/);
      expect(token.methods).toEqual(['password']);
      expect(token.roles).toEqual(expect.arrayContaining(['member']));
      expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
      if (isDevcloud()) expect(token.projectName).toBe('demo');
    });

    it('the catalog offers identity, compute, image and network endpoints on every interface, and the client picks the public ones', async () => {
      const client = track(clientFromEnvironment());
      const catalog = await client.identity.catalog();
      const types = catalog.map((s) => s.type);
      expect(types).toEqual(expect.arrayContaining(['identity', 'compute', 'image', 'network']));
      for (const service of catalog.filter((s) =>
        ['identity', 'compute', 'image', 'network'].includes(s.type),
      )) {
        expect(service.endpoints.map((e) => e.interface)).toContain('public');
        expect(
          service.endpoints.every((e) => typeof e.region === 'string' && e.region.length > 0),
        ).toBe(true);
      }
      const compute = await client.identity.endpointFor('compute');
      const image = await client.identity.endpointFor('image');
      const network = await client.identity.endpointFor('network');
      expect(compute).toMatch(/^https?:\/\//);
      if (isDevcloud()) {
        // Captured on the devcloud (Zed): nova at /v2.1 without a project id, glance and neutron unversioned.
        expect(compute).toBe('http://127.0.0.1:8774/v2.1');
        expect(image).toBe('http://127.0.0.1:9292');
        expect(network).toBe('http://127.0.0.1:9696');
        expect(await client.session.serviceBaseUrl('image')).toBe('http://127.0.0.1:9292/v2');
        expect(await client.session.serviceBaseUrl('network')).toBe('http://127.0.0.1:9696/v2.0');
        expect(catalog.flatMap((s) => s.endpoints.map((e) => e.region))).toEqual(
          expect.arrayContaining(['RegionOne']),
        );
      }
    });

    it('authenticates from the variables of an openrc file (parsed, not sourced) to the same user and project', async () => {
      const openrc = acceptanceSettings.openrcFile;
      if (!openrc) {
        process.stderr.write(
          '[acceptance] openrc check skipped: no OSA_ACC_OPENRC and no /var/lib/devcloud/openrc-demo\n',
        );
        return;
      }
      const vars = parseOpenrc(fs.readFileSync(openrc, 'utf8'));
      expect(vars['OS_AUTH_URL']).toMatch(/^https?:\/\//);
      // Only the openrc's variables: no OS_CLOUD, no clouds.yaml (an empty cwd/home).
      const fromOpenrc = track(
        OpenStackClient.fromEnvironment({
          env: vars,
          cwd: '/nonexistent-acc',
          homeDir: '/nonexistent-acc',
          overrides: { timeoutMs: 30_000 },
        }),
      );
      const fromClouds = track(clientFromEnvironment());
      const [a, b] = await Promise.all([fromOpenrc.identity.token(), fromClouds.identity.token()]);
      if (isDevcloud()) {
        expect(a.userId).toBe(b.userId);
        expect(a.projectId).toBe(b.projectId);
      } else {
        expect(a.projectId).toMatch(/^[0-9a-f]{32}$/);
      }
      // The password never shows in the client's string forms.
      const password = vars['OS_PASSWORD'];
      expect(password).toBeTruthy();
      for (const text of [
        String(fromOpenrc),
        JSON.stringify(fromOpenrc),
        inspect(fromOpenrc, { depth: 5 }),
      ]) {
        expect(text).not.toContain(password);
      }
    });

    it('a wrong password is a 401 UnauthorizedError with Keystone own message and no secret in it', async () => {
      const openrc = acceptanceSettings.openrcFile;
      const base = openrc ? parseOpenrc(fs.readFileSync(openrc, 'utf8')) : undefined;
      if (!base) {
        process.stderr.write(
          '[acceptance] wrong-password check skipped: needs an openrc file (OSA_ACC_OPENRC)\n',
        );
        return;
      }
      const wrong = 'osa-acc-wrong-password-7c1e';
      const client = track(
        OpenStackClient.fromEnvironment({
          env: { ...base, OS_PASSWORD: wrong },
          cwd: '/nonexistent-acc',
          homeDir: '/nonexistent-acc',
          overrides: { retry: { maxRetries: 0 } },
        }),
      );
      const error = await client.identity.token().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnauthorizedError);
      const http = error as OpenStackHttpError;
      expect(http.status).toBe(401);
      expect(http.service).toBe('identity');
      // Keystone: {"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}
      expect(http.serverMessage).toBe('The request you have made requires authentication.');
      expect(http.errorType).toBe('Unauthorized');
      expect(http.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(`${http.message} ${JSON.stringify(http)} ${inspect(http)}`).not.toContain(wrong);
    });

    it('negotiates the highest compute microversion both sides support, and reports it', async () => {
      const events: ClientEvent[] = [];
      const client = track(clientFromEnvironment({ logger: (e) => events.push(e) }));
      const range = await client.compute.versionRange();
      expect(range.min.toString()).toBe('2.1');
      const negotiated = await client.compute.microversion();
      expect(negotiated.compare(range.max)).toBeLessThanOrEqual(0);
      if (isDevcloud()) {
        expect(range.max.toString()).toBe('2.93');
        expect(negotiated.toString()).toBe('2.93');
      }
      expect(events.filter((e) => e.type === 'microversion')).toEqual([
        expect.objectContaining({
          service: 'compute',
          negotiated: negotiated.toString(),
          serverMax: range.max.toString(),
          requested: 'latest',
        }),
      ]);
      // Nova echoes the version it used.
      const flavors = await client.session.request('compute', {
        method: 'GET',
        path: '/flavors',
        microversion: negotiated.toString(),
      });
      expect(flavors.headers['openstack-api-version']).toBe(`compute ${negotiated}`);
      expect(flavors.headers['x-openstack-nova-api-version']).toBe(negotiated.toString());
    });

    it('a pinned microversion inside the range is used as is; one outside is refused before any compute call', async () => {
      const pinned = track(clientFromEnvironment({ computeMicroversion: '2.1' }));
      expect((await pinned.compute.microversion()).toString()).toBe('2.1');
      const tooNew = track(clientFromEnvironment({ computeMicroversion: '2.999' }));
      await expect(tooNew.compute.microversion()).rejects.toBeInstanceOf(
        MicroversionNotSupportedError,
      );
      await expect(tooNew.compute.microversion()).rejects.toThrow(
        /2\.999.*supports 2\.1 to 2\.\d+/,
      );
    });

    it('Nova answers an unsupported microversion header with 406 computeFault (real body)', async () => {
      const client = track(clientFromEnvironment());
      const error = await client.session
        .request('compute', { method: 'GET', path: '/flavors', microversion: '2.999' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(OpenStackHttpError);
      const http = error as OpenStackHttpError;
      expect(http.status).toBe(406);
      expect(http.errorType).toBe('computeFault');
      expect(http.serverMessage).toMatch(
        /^Version 2\.999 is not supported by the API\. Minimum is 2\.1 and maximum is 2\.\d+\.$/,
      );
    });
  },
);
