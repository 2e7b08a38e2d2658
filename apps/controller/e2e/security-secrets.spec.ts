import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { ControllerProcess } from './support/controller-process';
import { prepareSeedCloud } from './support/fake-cloud';
import { httpRequest } from './support/http-request';
import { ownLoopbackPrefix } from './support/loopback';
import { runSeedLoadLoop } from './support/seed-load-loop';
import { ServiceInstance } from './support/service-instance';
import { LOGGED } from './support/log-lines';

const ADMIN_TOKEN = `adm${'5e1f0a9b7c3d'.repeat(4)}`;

/**
 * Secrets never reach a log line, /status, /metrics, /healthz or an error body. The built
 * controller runs as a real process on the openstack provider against the fake OpenStack, at
 * debug (or verbose) level, through a scale-out, a credential rejection by Keystone and config
 * errors; then every line it printed and every answer it gave is searched for the password, the
 * application-credential secret, the admin bearer token and every token Keystone issued (and
 * for 16-character slices of each, so a truncated secret is caught too).
 */
describe('secrets stay out of logs, status, metrics and error bodies', () => {
  jest.setTimeout(120_000);
  const services: ServiceInstance[] = [];
  let cloud: FakeOpenStack | undefined;
  let controller: ControllerProcess | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await controller?.stop();
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await cloud?.stop();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    controller = undefined;
    cloud = undefined;
  });

  /** The secret values and a distinctive slice of each (a log that truncates a token still leaks it). */
  function needles(secrets: string[]): string[] {
    expect(secrets.every((secret) => secret.length >= 24)).toBe(true);
    return secrets.flatMap((secret) => [secret, secret.slice(8, 24)]);
  }

  function leaks(haystack: string, secrets: string[]): string[] {
    return needles(secrets).filter((needle) => haystack.includes(needle));
  }

  function issuedTokens(fake: FakeOpenStack): string[] {
    // The testkit keeps issued token ids private (tests usually need counts); we need the values.
    return fake['tokens'].ids();
  }

  it.each([
    { auth: 'password' as const, level: 'debug', format: 'pretty' },
    { auth: 'application_credential' as const, level: 'verbose', format: 'json' },
  ])(
    '$auth credentials, log level $level ($format): scale-out, Keystone refusing the credentials, every admin answer',
    async ({ auth, level, format }) => {
      const prefix = ownLoopbackPrefix();
      services.push(
        await ServiceInstance.start(`${prefix}.1`, 5000),
        await ServiceInstance.start(`${prefix}.2`, 5000),
      );
      cloud = await FakeOpenStack.start({ host: `${prefix}.250` });
      const seeded = await prepareSeedCloud(cloud, `${prefix}.1`);
      dirs.push(seeded.dir);
      cloud.setServerBehaviour(
        { address: () => `${prefix}.2`, bootDelayMs: 300 },
        { namePrefix: 'service-auto-' },
      );
      const credentialEnv =
        auth === 'password' ? seeded.env : cloud.openrcEnv({ auth: 'application_credential' });
      const originalSecrets = [
        cloud.credentials.password,
        cloud.credentials.applicationCredentialSecret,
        ADMIN_TOKEN,
      ];

      controller = ControllerProcess.start(
        {
          proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
          admin: { listenHost: `${prefix}.201`, listenPort: 0, bearerToken: ADMIN_TOKEN },
          provider: { kind: 'openstack' },
          scaling: {
            thresholdRequests: 3,
            maxInstances: 3,
            statusPollInitialMs: 100,
            failureBackoffInitialMs: 1000,
          },
          health: { intervalMs: 100 },
          log: { level, format },
        },
        credentialEnv,
      );
      const { proxy, admin } = await controller.addresses();
      await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
      const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const answers: string[] = [];
      const record = (reply: {
        status: number;
        headers: Record<string, unknown>;
        body: string;
      }): void => {
        answers.push(`${reply.status} ${JSON.stringify(reply.headers)} ${reply.body}`);
      };

      // 1. A scale-out through Nova, with the clone admitted.
      const firstLoad = await runSeedLoadLoop({
        host: proxy.host,
        port: proxy.port,
        pauseMs: 50,
        maxRequests: 400,
        maxDurationMs: 40_000,
        until: (seen) => seen.some((response) => response.instanceAddress === `${prefix}.2:5000`),
      });
      expect(firstLoad.some((response) => response.instanceAddress === `${prefix}.2:5000`)).toBe(
        true,
      );
      answers.push(...firstLoad.map((response) => `${response.status} ${response.body}`));
      await controller.waitForLog(LOGGED.launchDone('scale-out', { sequence: 1 }), 10_000);

      // 2. Keystone stops accepting the credentials: tokens revoked, password / secret changed.
      cloud.expireAllTokens();
      cloud.credentials.password = `${cloud.credentials.password}-rotated`;
      cloud.credentials.applicationCredentialSecret = `${cloud.credentials.applicationCredentialSecret}-rotated`;
      const secondLoad = await runSeedLoadLoop({
        host: proxy.host,
        port: proxy.port,
        pauseMs: 50,
        maxRequests: 200,
        maxDurationMs: 20_000,
        until: () =>
          (controller?.logs(LOGGED.phaseChange({ sequence: 2, phase: 'failed' })).length ?? 0) > 0,
      });
      answers.push(...secondLoad.map((response) => `${response.status} ${response.body}`));
      await controller.waitForLog(LOGGED.phaseChange({ sequence: 2, phase: 'failed' }), 20_000);
      const keystoneRefusals = cloud.calls.filter(
        (call) => call.service === 'identity' && call.method === 'POST' && call.status === 401,
      );
      expect(keystoneRefusals.length).toBeGreaterThanOrEqual(1);

      // 3. Every admin answer: with the token, without it, with a wrong one, and error bodies.
      for (const [method, route] of [
        ['GET', '/status'],
        ['GET', '/healthz'],
        ['GET', '/metrics'],
        ['GET', '/no-such-route'],
        ['POST', '/status'],
      ]) {
        record(await httpRequest(admin.host, admin.port, method, route, { headers: bearer }));
        record(await httpRequest(admin.host, admin.port, method, route));
        record(
          await httpRequest(admin.host, admin.port, method, route, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -4)}beef` },
          }),
        );
      }
      const status = await httpRequest(admin.host, admin.port, 'GET', '/status', {
        headers: bearer,
      });
      expect(status.status).toBe(200);
      // The failure reason is there, and is Keystone's message, not the credentials.
      expect(JSON.parse(status.body).lastScaleEvent).toMatchObject({ state: 'failed' });
      expect(JSON.stringify(JSON.parse(status.body).lastScaleEvent.failure)).toMatch(/401|auth/i);
      // /status, /healthz and /metrics (when present) refuse both; unmatched routes are a plain 404.
      expect(answers.filter((answer) => answer.startsWith('401 ')).length).toBeGreaterThanOrEqual(
        4,
      );

      expect(await controller.stop()).toEqual({ code: 0, signal: null });
      // Both formats: the JSON records as text (support/log-lines.ts) and pretty lines carry the same fields.
      const log = controller.output;
      // The run did log at the chosen level: every OpenStack call, the refusals and the failure.
      expect(log).toMatch(
        /OpenStack call .*"?method"?[=:]"?POST"?.*\/identity\/v3\/auth\/tokens"?.*"?status"?[=:]201/,
      );
      expect(log).toMatch(/OpenStack call .*\/auth\/tokens"?.*"?status"?[=:]401/);
      expect(log).toMatch(/DEBUG/i);
      expect(
        leaks(controller.rawOutput, [
          ...originalSecrets,
          cloud.credentials.password,
          cloud.credentials.applicationCredentialSecret,
        ]),
      ).toEqual([]);

      const secrets = [
        ...originalSecrets,
        cloud.credentials.password,
        cloud.credentials.applicationCredentialSecret,
        ...issuedTokens(cloud),
      ];
      expect(issuedTokens(cloud).length).toBeGreaterThanOrEqual(2);
      expect(leaks(log, secrets)).toEqual([]);
      expect(leaks(answers.join('\n'), secrets)).toEqual([]);
    },
  );

  it('config errors (controller and OpenStack credentials) name the field, never the secret', async () => {
    cloud = await FakeOpenStack.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-secrets-config-'));
    dirs.push(dir);
    const password = cloud.credentials.password;
    const appSecret = cloud.credentials.applicationCredentialSecret;
    const base = {
      OSA_PROVIDER__KIND: 'openstack',
      OSA_LOG__LEVEL: 'verbose',
      OSA_PROXY__LISTEN_PORT: '0',
      OSA_ADMIN__LISTEN_PORT: '0',
      HOME: dir,
    };

    // A controller field error while OS_PASSWORD is in the environment, a token in a mistyped key.
    const file = path.join(dir, 'controller.yaml');
    fs.writeFileSync(
      file,
      `admin:\n  bearerTokn: ${ADMIN_TOKEN}\nscaling:\n  thresholdRequests: ten\n`,
    );
    const fieldErrors = ControllerProcess.run(['--config', file], {
      ...base,
      ...cloud.openrcEnv(),
    });
    // A bearer token that is invalid (a space in it) is masked as well.
    const badToken = ControllerProcess.run([], {
      ...base,
      ...cloud.openrcEnv(),
      OSA_ADMIN__BEARER_TOKEN: `"${password} ${appSecret}"`,
    });
    // OpenStack credentials that cannot be used: an application credential secret without its id.
    const credentialError = ControllerProcess.run([], {
      ...base,
      ...cloud.openrcEnv({ auth: 'application_credential' }),
      OS_APPLICATION_CREDENTIAL_ID: '',
      OS_PASSWORD: password,
    });
    const runs = [fieldErrors, badToken, credentialError];
    const exits = await Promise.all(runs.map((run) => run.exited));
    expect(exits).toEqual(runs.map(() => ({ code: 2, signal: null })));

    expect(fieldErrors.output).toMatch(/admin\.bearerTokn = \*\*\*: unknown key/);
    expect(fieldErrors.output).toMatch(/scaling\.thresholdRequests = "ten"/);
    expect(badToken.output).toMatch(/admin\.bearerToken = \*\*\*: must be a token/);
    expect(credentialError.output).toMatch(
      /invalid OpenStack credentials configuration: .*OS_APPLICATION_CREDENTIAL_ID/,
    );
    const all = runs.map((run) => run.rawOutput).join('\n');
    expect(leaks(all, [password, appSecret, ADMIN_TOKEN])).toEqual([]);
  });
});
