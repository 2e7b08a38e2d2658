/**
 * Keystone and the services over TLS with a private CA: the fake OpenStack behind a TLS front on
 * its own loopback address, certificates from a CA made for the test (openssl CLI).
 * OS_CACERT / clouds.yaml `cacert` are honoured by the client's own agent only; without them the
 * failure names the certificate problem and the fix, at once; `insecure` is off unless set, and
 * warns when set; nothing touches NODE_TLS_REJECT_UNAUTHORIZED.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTools, FakeOpenStack, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { PrivateCa, selfSignedCertificate } from '../../test-support/private-ca';
import { TlsFront } from '../../test-support/tls-front';
import { ConnectionFailedError } from '../common/errors';
import { OpenStackClient } from '../client';
import type { ClientEvent } from './session-types';

/** Split so that this file does not match its own source scan. */
const TLS_ENV_VARIABLE = ['NODE', 'TLS', 'REJECT', 'UNAUTHORIZED'].join('_');

function ownLoopbackAddress(): string {
  const octet = (min: number, span: number): number => min + Math.floor(Math.random() * span);
  return `127.${octet(20, 80)}.${octet(0, 255)}.${octet(1, 250)}`;
}

// The private CA is made with the openssl CLI: without it this suite skips, saying how to install it.
describeWithTools([SYSTEM_TOOLS.openssl], 'Keystone over TLS with a private CA', () => {
  const envBefore = { ...process.env };
  let host: string;
  let ca: PrivateCa;
  let cloud: FakeOpenStack;
  let dir: string;
  const fronts: TlsFront[] = [];
  const clients: OpenStackClient[] = [];

  beforeAll(async () => {
    host = ownLoopbackAddress();
    ca = PrivateCa.create();
    cloud = await FakeOpenStack.start({ host });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-tls-'));
  });
  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });
  afterAll(async () => {
    await Promise.all(fronts.map((front) => front.stop()));
    await cloud.stop();
    ca.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A TLS front for the fake, presenting `cert` (a leaf, optionally followed by its CA). */
  async function frontWith(key: string, cert: string): Promise<TlsFront> {
    const front = await TlsFront.start({ host, key, cert, backendOrigin: cloud.origin });
    fronts.push(front);
    return front;
  }

  /** Fronts presenting a leaf signed by the private CA: with the CA in the chain, and the leaf alone. */
  let chainFront: TlsFront;
  let leafOnlyFront: TlsFront;
  beforeAll(async () => {
    const leaf = ca.issueServerCertificate([host]);
    chainFront = await frontWith(leaf.key, leaf.cert + ca.cert);
    leafOnlyFront = await frontWith(leaf.key, leaf.cert);
  });

  function client(env: Record<string, string>, events: ClientEvent[] = []): OpenStackClient {
    const created = OpenStackClient.fromEnvironment({
      env,
      cwd: dir,
      homeDir: dir,
      logger: (event) => events.push(event),
      overrides: { timeoutMs: 5_000, retry: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 100 } },
    });
    clients.push(created);
    return created;
  }

  function openrcFor(front: TlsFront, extra: Record<string, string> = {}): Record<string, string> {
    return { ...cloud.openrcEnv(), OS_AUTH_URL: front.authUrl(), ...extra };
  }

  /** Token, then Nova, Glance and Neutron through the catalog (which lists the front's https URLs). */
  async function useEveryService(os: OpenStackClient): Promise<void> {
    await os.identity.token();
    expect((await os.compute.flavors.list().toArray()).length).toBeGreaterThan(0);
    expect(await os.image.images.findByName('ubuntu')).toBeDefined();
    expect((await os.network.networks.find('test')).name).toBe('test');
  }

  it('OS_CACERT (openrc) is honoured by the client: every call goes over TLS, verified against the private CA', async () => {
    const events: ClientEvent[] = [];
    const before = { front: leafOnlyFront.requests, cloud: cloud.calls.length };
    await useEveryService(client(openrcFor(leafOnlyFront, { OS_CACERT: ca.certPath }), events));

    const forwarded = leafOnlyFront.requests - before.front;
    expect(forwarded).toBeGreaterThanOrEqual(4);
    expect(cloud.calls.length - before.cloud).toBe(forwarded); // nothing bypassed TLS
    const urls = events.flatMap((event) => (event.type === 'request' ? [event.url] : []));
    expect(urls.length).toBeGreaterThanOrEqual(4);
    expect(urls.every((url) => url.startsWith(leafOnlyFront.origin))).toBe(true);
    expect(events.filter((event) => event.type === 'warning')).toEqual([]);
    expect(leafOnlyFront.handshakeFailures).toEqual([]);
  });

  it("the CA is trusted by the client's own agent only, not process-wide", async () => {
    await useEveryService(client(openrcFor(chainFront, { OS_CACERT: ca.certPath })));
    // The same server through Node's global agent still fails verification.
    const globalError = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      https
        .get(`${chainFront.origin}/identity/v3`, (res) => {
          res.resume();
          reject(new Error(`the global agent trusted the private CA (status ${res.statusCode})`));
        })
        .on('error', resolve);
    });
    expect(globalError.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('clouds.yaml `cacert` (relative to the working directory) is honoured', async () => {
    fs.copyFileSync(ca.certPath, path.join(dir, 'private-ca.pem'));
    const yaml = cloud
      .cloudsYaml('tls')
      .replace(JSON.stringify(cloud.authUrl), JSON.stringify(chainFront.authUrl()))
      .replace(
        '    interface: "public"\n',
        '    interface: "public"\n    cacert: private-ca.pem\n',
      );
    expect(yaml).toContain(chainFront.authUrl());
    const file = path.join(dir, 'clouds-cacert.yaml');
    fs.writeFileSync(file, yaml);
    const before = chainFront.requests;
    await useEveryService(client({ OS_CLOUD: 'tls', OS_CLIENT_CONFIG_FILE: file }));
    expect(chainFront.requests - before).toBeGreaterThanOrEqual(4);
  });

  describe('without the CA: one attempt, and an error naming the certificate problem and the fix', () => {
    it.each([
      [
        'the CA in the chain',
        () => chainFront,
        'SELF_SIGNED_CERT_IN_CHAIN',
        'self-signed certificate in certificate chain',
      ],
      [
        'the leaf alone',
        () => leafOnlyFront,
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'unable to verify the first certificate',
      ],
    ])('server presenting %s', async (_what, front, code, nodeMessage) => {
      const events: ClientEvent[] = [];
      const connectionsBefore = front().connections;
      const error = await client(openrcFor(front()), events)
        .identity.token()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionFailedError);
      const failure = error as ConnectionFailedError;
      expect(failure.code).toBe(code);
      expect(failure.message).toContain(
        `POST ${front().origin}/identity/v3/auth/tokens failed: TLS certificate not trusted: ${nodeMessage}`,
      );
      expect(failure.message).toMatch(
        /set OS_CACERT \(or `cacert` in clouds\.yaml\) to the PEM file of the CA that signed it/,
      );
      // A certificate problem does not fix itself: no retries, no backoff.
      expect(front().connections - connectionsBefore).toBe(1);
      expect(events.filter((event) => event.type === 'retry')).toEqual([]);
    });

    it('a CA other than the one that signed the certificate is refused the same way', async () => {
      const otherCa = PrivateCa.create('some other CA');
      try {
        const error = await client(openrcFor(leafOnlyFront, { OS_CACERT: otherCa.certPath }))
          .identity.token()
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConnectionFailedError);
        expect((error as ConnectionFailedError).message).toMatch(
          /TLS certificate not trusted: .*set OS_CACERT/,
        );
      } finally {
        otherCa.remove();
      }
    });

    it('a self-signed server certificate (no CA at all)', async () => {
      const selfSigned = selfSignedCertificate(host);
      const front = await frontWith(selfSigned.key, selfSigned.cert);
      const error = await client(openrcFor(front))
        .identity.token()
        .catch((caught: unknown) => caught);
      expect((error as ConnectionFailedError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect((error as ConnectionFailedError).message).toMatch(
        /TLS certificate not trusted: self-signed certificate\. .*OS_CACERT/,
      );
    });
  });

  it('a certificate for another address fails naming the mismatch, even with the right CA', async () => {
    const otherAddress = host.replace(/\.\d+$/, (last) => `.${(Number(last.slice(1)) % 250) + 2}`);
    const leaf = ca.issueServerCertificate([otherAddress]);
    const front = await frontWith(leaf.key, leaf.cert);
    const error = await client(openrcFor(front, { OS_CACERT: ca.certPath }))
      .identity.token()
      .catch((caught: unknown) => caught);
    expect((error as ConnectionFailedError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect((error as ConnectionFailedError).message).toContain(
      'TLS certificate does not match the host',
    );
    expect((error as ConnectionFailedError).message).toContain(otherAddress);
  });

  it('an https:// URL for a plain-http endpoint says so', async () => {
    const error = await client({
      ...cloud.openrcEnv(),
      OS_AUTH_URL: cloud.authUrl.replace('http:', 'https:'),
    })
      .identity.token()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect((error as ConnectionFailedError).message).toContain(
      "the server did not answer in TLS (is this an https:// URL for an http-only endpoint? check the URL's scheme)",
    );
  });

  describe('insecure: only when explicitly set, and then with a warning through the logger', () => {
    it.each([
      ['OS_INSECURE unset', {}],
      ['OS_INSECURE=false', { OS_INSECURE: 'false' }],
      ['OS_INSECURE=0', { OS_INSECURE: '0' }],
    ])('%s: verification stays on', async (_what, extra: Record<string, string>) => {
      const events: ClientEvent[] = [];
      const error = await client(openrcFor(chainFront, extra), events)
        .identity.token()
        .catch((caught: unknown) => caught);
      expect((error as ConnectionFailedError).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
      expect(events.filter((event) => event.type === 'warning')).toEqual([]);
    });

    it('OS_INSECURE=true: works without the CA and warns once', async () => {
      const events: ClientEvent[] = [];
      await useEveryService(client(openrcFor(chainFront, { OS_INSECURE: 'true' }), events));
      const warnings = events.filter((event) => event.type === 'warning');
      expect(warnings).toEqual([
        {
          type: 'warning',
          code: 'tls-verification-disabled',
          message: expect.stringMatching(
            /^TLS certificate verification is disabled .*set OS_CACERT/,
          ),
        },
      ]);
    });

    it('clouds.yaml `verify: false`: works without the CA and warns', async () => {
      const yaml = cloud
        .cloudsYaml('tls-noverify')
        .replace(JSON.stringify(cloud.authUrl), JSON.stringify(leafOnlyFront.authUrl()))
        .replace('    interface: "public"\n', '    interface: "public"\n    verify: false\n');
      const file = path.join(dir, 'clouds-noverify.yaml');
      fs.writeFileSync(file, yaml);
      const events: ClientEvent[] = [];
      await useEveryService(
        client({ OS_CLOUD: 'tls-noverify', OS_CLIENT_CONFIG_FILE: file }, events),
      );
      expect(
        events
          .filter((event) => event.type === 'warning')
          .map((event) => (event as { code: string }).code),
      ).toEqual(['tls-verification-disabled']);
    });
  });

  it(`leaves ${TLS_ENV_VARIABLE}, process.env and Node's global agent as they were`, () => {
    expect(process.env[TLS_ENV_VARIABLE]).toBeUndefined();
    expect({ ...process.env }).toEqual(envBefore);
    expect(https.globalAgent.options.rejectUnauthorized).not.toBe(false);
    expect(https.globalAgent.options.ca).toBeUndefined();
  });
});

describe(`no source in the repository turns TLS verification off process-wide`, () => {
  const workspaceRoot = path.resolve(__dirname, '../../../..');
  const skipDirs = new Set(['node_modules', 'dist', '.nx', '.git', 'coverage', 'tmp', '.osa']);
  const sourceFile = /\.(ts|js|cjs|mjs|sh|json|ya?ml|env)$|^(run|Dockerfile)$/;

  function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return skipDirs.has(entry.name) ? [] : sourceFiles(full);
      return entry.isFile() && sourceFile.test(entry.name) ? [full] : [];
    });
  }

  it(`finds no assignment of ${TLS_ENV_VARIABLE} and no verification switched off in code`, () => {
    const files = sourceFiles(workspaceRoot);
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain(
      path.join(workspaceRoot, 'libs/openstack-client/src/session/http-transport.ts'),
    );
    const offending = [
      // Setting it in code, a shell script, a CI file or an env file (a comment naming it is fine).
      new RegExp(`^(?!\\s*(//|\\*|#)).*${TLS_ENV_VARIABLE}`),
      new RegExp(['rejectUnauthorized', '\\s*[:=]\\s*false'].join('')),
    ];
    const hits = files.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          offending.some((pattern) => pattern.test(line))
            ? [`${path.relative(workspaceRoot, file)}:${index + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(hits).toEqual([]);
  });
});
