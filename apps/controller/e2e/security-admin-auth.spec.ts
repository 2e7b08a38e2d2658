import * as http from 'node:http';
import { ControllerProcess, SERVICE_BUNDLE } from './support/controller-process';
import { httpRequest as request } from './support/http-request';
import { InProcessController } from './support/in-process-controller';
import { ownLoopbackPrefix } from './support/loopback';

const ADMIN_TOKEN = `adm-${'9f8e7d6c5b4a'.repeat(4)}`;

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every route the running admin app registered, read from its Express router: routes other
 * modules add later (/metrics, admin actions) are checked without this test knowing them.
 */
function registeredRoutes(
  controller: InProcessController,
): Array<{ method: string; path: string }> {
  const express = controller.app.getHttpAdapter().getInstance() as {
    router: { stack: RouteLayer[] };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          // Route parameters get a harmless value: the guard runs before any handler looks at them.
          .map((method) => ({
            method: method.toUpperCase(),
            path: layer.route!.path.replace(/:[A-Za-z_]\w*/g, 'x').replace(/\{[^}]*\}/g, ''),
          }))
      : [],
  );
}

describe('admin listener security', () => {
  jest.setTimeout(60_000);
  let controller: InProcessController | undefined;
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
  });

  async function startInProcess(
    admin: Record<string, unknown>,
  ): Promise<{ prefix: string; controller: InProcessController }> {
    const prefix = ownLoopbackPrefix();
    controller = await InProcessController.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0, ...admin },
      provider: {
        local: { bundlePath: SERVICE_BUNDLE, firstAddress: `${prefix}.1`, bootDelayMs: 0 },
      },
      health: { intervalMs: 100 },
    });
    await controller.originalAdmitted();
    return { prefix, controller };
  }

  it('with admin.bearerToken (on loopback too): every registered route answers 401 + WWW-Authenticate: Bearer without the token or with a wrong one', async () => {
    const { controller } = await startInProcess({ bearerToken: ADMIN_TOKEN });
    const { host, port } = controller.admin;
    const allRoutes = registeredRoutes(controller);
    expect(allRoutes).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/healthz' },
        { method: 'GET', path: '/status' },
        { method: 'GET', path: '/v1/status' },
      ]),
    );
    // The dashboard's static files are the one exception (a browser navigation cannot carry a
    // bearer token): they hold no data and no action, which is checked below.
    const routes = allRoutes.filter((route) => !route.path.startsWith('/ui'));
    expect(allRoutes.length - routes.length).toBe(3);
    for (const path of ['/ui', '/ui/dashboard.js', '/ui/dashboard.css', '/ui/vendor/uplot.js']) {
      const page = await request(host, port, 'GET', path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(page.body).not.toMatch(/service-vm-1|127\.\d+\.\d+\.\d+/);
    }

    const wrongCredentials: Array<[string, http.OutgoingHttpHeaders, RegExp]> = [
      ['no Authorization', {}, /^Bearer realm="[^"]+"$/],
      [
        'a wrong token of the same length',
        { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}0` },
        /^Bearer realm="[^"]+", error="invalid_token"$/,
      ],
      [
        'a prefix of the token',
        { authorization: `Bearer ${ADMIN_TOKEN.slice(0, 20)}` },
        /error="invalid_token"/,
      ],
      [
        'the token plus a suffix',
        { authorization: `Bearer ${ADMIN_TOKEN}x` },
        /error="invalid_token"/,
      ],
      [
        'the token under Basic',
        { authorization: `Basic ${ADMIN_TOKEN}` },
        /^Bearer realm="[^"]+"$/,
      ],
      ['the token in another header', { 'x-auth-token': ADMIN_TOKEN }, /^Bearer realm="[^"]+"$/],
      ['an empty Bearer', { authorization: 'Bearer ' }, /^Bearer realm="[^"]+"$/],
    ];
    const failures: string[] = [];
    for (const route of routes) {
      for (const [what, headers, challenge] of wrongCredentials) {
        const reply = await request(host, port, route.method, route.path, { headers });
        const header = String(reply.headers['www-authenticate'] ?? '');
        if (reply.status !== 401 || !challenge.test(header))
          failures.push(
            `${route.method} ${route.path} with ${what}: ${reply.status} ${header} ${reply.body}`,
          );
        if (reply.body.includes(ADMIN_TOKEN.slice(4)))
          failures.push(`${route.method} ${route.path} with ${what}: the body echoes the token`);
      }
    }
    expect(failures).toEqual([]);

    // The right token opens the read-only routes (scheme case-insensitive, RFC 9110 §11.1).
    const status = await request(host, port, 'GET', '/status', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ lifecycle: 'running' });
    expect(status.body).not.toContain(ADMIN_TOKEN);
    expect(
      (
        await request(host, port, 'GET', '/healthz', {
          headers: { authorization: `bearer ${ADMIN_TOKEN}` },
        })
      ).status,
    ).toBe(200);
    expect(controller.logger.matching(/admin routes need Authorization: Bearer/)).toHaveLength(1);
    expect(controller.logger.lines.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('on loopback without a token: no credentials needed, but a foreign Host (DNS rebinding) or a browser Origin gets 403', async () => {
    const { controller } = await startInProcess({});
    const { host, port } = controller.admin;
    expect((await request(host, port, 'GET', '/status')).status).toBe(200);
    for (const allowedHost of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
    ]) {
      expect([
        allowedHost,
        (await request(host, port, 'GET', '/status', { headers: { host: allowedHost } })).status,
      ]).toEqual([allowedHost, 200]);
    }
    for (const foreignHost of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.nip.io:${port}`,
      `10.0.0.1:${port}`,
    ]) {
      const reply = await request(host, port, 'GET', '/status', { headers: { host: foreignHost } });
      expect([foreignHost, reply.status]).toEqual([foreignHost, 403]);
      expect(reply.body).toContain('Host must name a loopback address');
    }
    const fromBrowser = await request(host, port, 'GET', '/status', {
      headers: { origin: 'http://evil.example' },
    });
    expect(fromBrowser.status).toBe(403);
    expect(fromBrowser.body).toContain('Origin');
    // Another port on the same host is another origin; only the listener's own (the /ui page) passes.
    for (const origin of [`http://${host}:${port + 1}`, `https://${host}:${port}`, 'null']) {
      expect([
        origin,
        (await request(host, port, 'PUT', '/v1/scaling', { headers: { origin } })).status,
      ]).toEqual([origin, 403]);
    }
    expect(
      (
        await request(host, port, 'GET', '/v1/status', {
          headers: { origin: `http://${host}:${port}` },
        })
      ).status,
    ).toBe(200);
    expect(
      controller.logger.matching(/admin routes need no credentials \(loopback listener/),
    ).toHaveLength(1);
  });

  it('the proxy port never serves admin routes: /status, /metrics and /healthz there are answered by the backend', async () => {
    const { prefix, controller } = await startInProcess({ bearerToken: ADMIN_TOKEN });
    const { proxy } = controller;
    const backend = `${prefix}.1:5000`;
    for (const headers of [{}, { authorization: `Bearer ${ADMIN_TOKEN}` }]) {
      for (const path of ['/status', '/metrics']) {
        const reply = await request(proxy.host, proxy.port, 'GET', path, { headers });
        // The service's own 404, stamped with its address: the backend answered, not the admin app.
        expect([path, reply.status, reply.headers['x-instance-address'], reply.body]).toEqual([
          path,
          404,
          backend,
          'not found\n',
        ]);
      }
      const health = await request(proxy.host, proxy.port, 'GET', '/healthz', { headers });
      expect(health.status).toBe(200);
      expect(health.headers['x-instance-address']).toBe(backend);
      // The service's health document, not terminus's {"status":"ok","info":{"controller":...}}.
      expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', address: backend });
      expect(JSON.parse(health.body)).not.toHaveProperty('info');
    }
  });

  it('refuses to start (exit 2, before binding anything) when the admin listener is not on loopback and no token is set', async () => {
    const prefix = ownLoopbackPrefix();
    const env = {
      OSA_PROXY__LISTEN_HOST: `${prefix}.200`,
      OSA_PROXY__LISTEN_PORT: '0',
      OSA_ADMIN__LISTEN_PORT: '0',
    };
    const refused = ControllerProcess.run([], { ...env, OSA_ADMIN__LISTEN_HOST: '0.0.0.0' });
    expect(await refused.exited).toEqual({ code: 2, signal: null });
    expect(refused.lines.filter((line) => line.startsWith('  - '))).toEqual([
      expect.stringMatching(
        /^ {2}- admin\.listenHost = "0\.0\.0\.0": is not a loopback address, so admin\.bearerToken must be set .* \(from OSA_ADMIN__LISTEN_HOST\)$/,
      ),
    ]);
    expect(refused.output).not.toMatch(/listening|listener on/);

    // A bad token is refused too, and never printed.
    const badToken = 'short-token-value';
    const masked = ControllerProcess.run([], {
      ...env,
      OSA_ADMIN__LISTEN_HOST: '0.0.0.0',
      OSA_ADMIN__BEARER_TOKEN: badToken,
    });
    expect(await masked.exited).toEqual({ code: 2, signal: null });
    expect(masked.output).toMatch(
      /admin\.bearerToken = \*\*\*: must be a token of 32 to 1024 characters/,
    );
    expect(masked.output).not.toContain(badToken);
  });
});
