import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import { describeWithTools, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import type { Socket } from 'node:net';
import type { Backend } from '../src/proxy/traffic-director';
import { sleep, waitFor } from '../test-support/proxy/loopback';
import { startProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import type { ProxyKind, ProxyUnderTest } from '../test-support/proxy/proxy-under-test';
import { RawBackend, pathOf } from '../test-support/proxy/raw-backend';
import { headerOf, parseResponses, rawExchange } from '../test-support/proxy/raw-http';
import type { ParsedResponse } from '../test-support/proxy/raw-http';
import { RecordingBackend } from '../test-support/proxy/recording-backend';

/**
 * Issue 7, hygiene items 1-5 and 8, as raw-socket tests: the client writes literal bytes on a
 * `net` socket, the backends are real servers on their own loopback addresses, and each proxy
 * runs in its own child process. Every check runs against our proxy (must pass, and must never
 * report an 'uncaughtException') and against http-proxy 1.18.1 set up as its README shows
 * (must fail, for the reason the pattern names) — which proves each check can fail.
 */

/** Clients connect from this address so the peer address the proxy sees is known. */
const CLIENT_ADDRESS = '127.88.0.5';

type Check = (kind: ProxyKind) => Promise<void>;

async function withProxy(
  kind: ProxyKind,
  backends: Backend[],
  settings: Record<string, unknown>,
  body: (proxy: ProxyUnderTest) => Promise<void>,
): Promise<void> {
  const proxy = await startProxyUnderTest(kind, backends, settings);
  try {
    await body(proxy);
    assertSurvived(proxy);
  } finally {
    await proxy.stop();
  }
}

/** Nothing from the data path reached the process: no 'uncaughtException', no exit. */
function assertSurvived(proxy: ProxyUnderTest): void {
  assert.deepEqual(
    proxy.uncaught,
    [],
    `proxy crashed: uncaughtException ${proxy.uncaught[0]?.split('\n')[0]}`,
  );
  assert.equal(proxy.exitReason(), undefined, `proxy crashed: ${proxy.exitReason()}`);
}

async function send(
  proxy: ProxyUnderTest,
  request: string | string[],
  idleMs = 300,
): Promise<ParsedResponse[]> {
  const result = await rawExchange(proxy.host, proxy.port, request, {
    localAddress: CLIENT_ADDRESS,
    idleMs,
  });
  return parseResponses(result.text);
}

function firstStatus(responses: ParsedResponse[]): number | 'none' {
  return responses[0]?.status ?? 'none';
}

/** Lower-cased header names present in a raw header list. */
function namesIn(
  rawHeaders: readonly string[] | ReadonlyArray<readonly [string, string]>,
): string[] {
  if (rawHeaders.length > 0 && Array.isArray(rawHeaders[0])) {
    return (rawHeaders as ReadonlyArray<readonly [string, string]>).map(([n]) => n.toLowerCase());
  }
  return (rawHeaders as readonly string[])
    .filter((_, i) => i % 2 === 0)
    .map((n) => n.toLowerCase());
}

async function withRecordingBackend(
  body: (backend: RecordingBackend) => Promise<void>,
): Promise<void> {
  const backend = await RecordingBackend.start();
  try {
    await body(backend);
  } finally {
    await backend.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Item 1: framing

const transferEncodingOtherThanChunkedIsRefused: Check = (kind) =>
  withRecordingBackend(async (backend) =>
    withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      // Node 20.20's parser already refuses a lone `gzip`; `gzip, chunked` it accepts.
      const responses = await send(
        proxy,
        'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      );
      await sleep(100);
      const status = firstStatus(responses);
      assert.equal(status, 400, `Transfer-Encoding: gzip, chunked answered ${status}, not 400`);
      assert.equal(
        backend.requests.length,
        0,
        `Transfer-Encoding: gzip, chunked reached the backend`,
      );
    }),
  );

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n';

function chunkedBodyIsNeverResmuggled(method: 'DELETE' | 'OPTIONS'): Check {
  return (kind) =>
    withRecordingBackend(async (backend) =>
      withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
        const request =
          `${method} /items/1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
        const responses = await send(proxy, request);
        await sleep(200); // a smuggled second request would arrive right behind the first
        const seen = backend.requests.map((r) => `${r.method} ${r.url}`);
        assert.deepEqual(
          seen,
          [`${method} /items/1`],
          `smuggling: the backend saw ${JSON.stringify(seen)}`,
        );
        const framing = backend.requests[0].headers;
        assert.equal(
          framing['transfer-encoding'],
          'chunked',
          `re-framed: a chunked ${method} reached the backend with Content-Length ${framing['content-length']}`,
        );
        assert.equal(backend.requests[0].body, SMUGGLED, 'the chunked body did not arrive intact');
        assert.equal(firstStatus(responses), 200, `answered ${firstStatus(responses)}`);
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Item 2: request Trailer header

const requestTrailerHeaderNeverCrashes: Check = (kind) =>
  withRecordingBackend(async (backend) =>
    withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      const responses = await send(
        proxy,
        'GET /t HTTP/1.1\r\nHost: t\r\nTrailer: X-Checksum\r\n\r\n',
      );
      await sleep(100);
      assertSurvived(proxy);
      assert.equal(
        firstStatus(responses),
        200,
        `GET with Trailer answered ${firstStatus(responses)}`,
      );
      assert.ok(
        !('trailer' in backend.requests[0].headers),
        'the Trailer header reached the backend',
      );
      const again = await send(proxy, 'GET /after HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(firstStatus(again), 200, 'the proxy stopped serving after a Trailer request');
    }),
  );

// ---------------------------------------------------------------------------------------------
// Item 3: hop-by-hop headers, both directions

const requestHopByHopHeadersAreStripped: Check = (kind) =>
  withRecordingBackend(async (backend) =>
    withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      const responses = await send(
        proxy,
        'GET /h HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s3cr3t\r\n' +
          'Keep-Alive: timeout=100\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n' +
          'Proxy-Authorization: Basic Zm9vOmJhcg==\r\nUpgrade: h2c\r\nX-Kept: yes\r\n\r\n',
      );
      assert.equal(firstStatus(responses), 200, `answered ${firstStatus(responses)}`);
      const names = namesIn(backend.requests[0].rawHeaders);
      const leaked = [
        'x-secret',
        'keep-alive',
        'proxy-connection',
        'te',
        'proxy-authorization',
        'upgrade',
        'trailer',
      ].filter((n) => names.includes(n));
      assert.deepEqual(
        leaked,
        [],
        `hop-by-hop request headers reached the backend: ${leaked.join(', ')}`,
      );
      const connection = backend.requests[0].headers.connection ?? '';
      assert.ok(
        !/x-secret/i.test(connection),
        `the client's Connection value reached the backend: ${connection}`,
      );
      assert.ok(names.includes('x-kept'), 'an end-to-end header was dropped');
    }),
  );

function backendHopByHopResponse(withTrailerHeader: boolean): string {
  return (
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: X-Internal\r\nX-Internal: secret\r\n' +
    'Keep-Alive: timeout=99\r\nProxy-Authenticate: Basic realm="inner"\r\nProxy-Connection: keep-alive\r\n' +
    (withTrailerHeader ? 'Trailer: X-T\r\n' : '') +
    'Upgrade: h2c\r\nX-Kept: yes\r\n\r\nok'
  );
}

/** With a `Trailer` response header a bare http-proxy crashes before leaking; without, it leaks. */
const responseHopByHopHeadersAreStripped =
  (withTrailerHeader: boolean): Check =>
  async (kind) => {
    const answer = backendHopByHopResponse(withTrailerHeader);
    const backend = await RawBackend.start((_head, socket) => socket.write(answer));
    try {
      await withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
        const [response] = await send(proxy, 'GET /h HTTP/1.1\r\nHost: t\r\n\r\n');
        await sleep(100);
        assertSurvived(proxy);
        assert.ok(response !== undefined, 'no response');
        assert.equal(response.status, 200);
        const names = namesIn(response.rawHeaders);
        const leaked = [
          'x-internal',
          'proxy-authenticate',
          'proxy-connection',
          'trailer',
          'upgrade',
        ].filter((n) => names.includes(n));
        if (headerOf(response, 'keep-alive') === 'timeout=99')
          leaked.push("keep-alive (the backend's)");
        if (/x-internal/i.test(headerOf(response, 'connection') ?? ''))
          leaked.push("connection (the backend's)");
        assert.deepEqual(
          leaked,
          [],
          `hop-by-hop response headers reached the client: ${leaked.join(', ')}`,
        );
        assert.equal(headerOf(response, 'x-kept'), 'yes', 'an end-to-end header was dropped');
        assert.equal(response.body, 'ok');
      });
    } finally {
      await backend.stop();
    }
  };

// ---------------------------------------------------------------------------------------------
// Item 4: X-Forwarded-*

const SPOOFED =
  'GET /f HTTP/1.1\r\nHost: public.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\n' +
  'X-Forwarded-Proto: https\r\nForwarded: for=6.6.6.6\r\n\r\n';

const untrustedForwardedHeadersAreReplaced: Check = (kind) =>
  withRecordingBackend(async (backend) =>
    withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      assert.equal(firstStatus(await send(proxy, SPOOFED)), 200);
      const seen = backend.requests[0].headers;
      assert.equal(
        seen['x-forwarded-for'],
        CLIENT_ADDRESS,
        `X-Forwarded-For reached the backend as "${seen['x-forwarded-for']}"`,
      );
      assert.equal(
        seen['x-forwarded-proto'],
        'http',
        `X-Forwarded-Proto was "${seen['x-forwarded-proto']}"`,
      );
      assert.equal(
        seen['x-forwarded-host'],
        'public.example',
        `X-Forwarded-Host was "${seen['x-forwarded-host']}"`,
      );
      assert.equal(seen.forwarded, undefined, `an untrusted Forwarded header reached the backend`);
    }),
  );

const trustedProxyForwardedForIsAppended: Check = (kind) =>
  withRecordingBackend(async (backend) =>
    withProxy(kind, [backend.asBackend()], { trustedProxies: ['127.88.0.0/16'] }, async (proxy) => {
      assert.equal(firstStatus(await send(proxy, SPOOFED)), 200);
      const seen = backend.requests[0].headers;
      assert.equal(
        seen['x-forwarded-for'],
        `6.6.6.6, ${CLIENT_ADDRESS}`,
        `X-Forwarded-For from a trusted proxy reached the backend as "${seen['x-forwarded-for']}"`,
      );
      assert.equal(seen['x-forwarded-proto'], 'https', 'a trusted X-Forwarded-Proto was not kept');
    }),
  );

// ---------------------------------------------------------------------------------------------
// Item 5: no exception from the data path reaches the process

const faultyBackendResponder = (head: string, socket: Socket): void => {
  switch (pathOf(head)) {
    case '/reset':
      socket.resetAndDestroy();
      return;
    case '/garbage':
      socket.end('SPEAK FRIEND AND ENTER\r\n\r\n');
      return;
    case '/cut':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => socket.destroy(), 50);
      return;
    default:
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
  }
};

const upstreamAndClientFaultsNeverReachTheProcess: Check = async (kind) => {
  const backend = await RawBackend.start(faultyBackendResponder);
  try {
    await withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      const reset = await send(proxy, 'GET /reset HTTP/1.1\r\nHost: t\r\n\r\n');
      assertSurvived(proxy);
      assert.equal(
        firstStatus(reset),
        502,
        `a backend reset answered ${firstStatus(reset)}, not 502`,
      );
      const garbage = await send(proxy, 'GET /garbage HTTP/1.1\r\nHost: t\r\n\r\n');
      assertSurvived(proxy);
      assert.equal(
        firstStatus(garbage),
        502,
        `a non-HTTP backend answer gave ${firstStatus(garbage)}, not 502`,
      );
      const cut = await rawExchange(
        proxy.host,
        proxy.port,
        'GET /cut HTTP/1.1\r\nHost: t\r\n\r\n',
        { idleMs: 2_000 },
      );
      const [cutResponse] = parseResponses(cut.text);
      assert.ok(
        cut.closedByPeer && cutResponse !== undefined && !cutResponse.complete,
        'a cut backend body looked complete',
      );
      // Client faults: hang up mid-upload, then plain garbage instead of HTTP.
      await rawExchange(
        proxy.host,
        proxy.port,
        'POST /ok HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789',
        {
          idleMs: 50,
          timeoutMs: 100,
        },
      );
      const nonsense = await send(proxy, 'NOT HTTP AT ALL\r\n\r\n');
      assert.equal(
        firstStatus(nonsense),
        400,
        `garbage from a client answered ${firstStatus(nonsense)}`,
      );
      assertSurvived(proxy);
      assert.equal(
        firstStatus(await send(proxy, 'GET /ok HTTP/1.1\r\nHost: t\r\n\r\n')),
        200,
        'the proxy stopped serving',
      );
    });
  } finally {
    await backend.stop();
  }
};

const refusingBackendIsA502NotACrash: Check = async (kind) => {
  const closed = await RawBackend.start(() => undefined);
  const refusing = closed.asBackend('refusing');
  await closed.stop(); // nothing listens there any more: connections are refused
  await withProxy(kind, [refusing], {}, async (proxy) => {
    const responses = await send(proxy, 'GET /x HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(100);
    assertSurvived(proxy);
    assert.equal(
      firstStatus(responses),
      502,
      `a refusing backend answered ${firstStatus(responses)}, not 502`,
    );
  });
};

// ---------------------------------------------------------------------------------------------
// Item 8: client aborts abort the upstream request

const ABORTED_DOWNLOADS = 20;

const clientAbortsAbortTheUpstreamRequest: Check = async (kind) => {
  const backend = await RecordingBackend.start();
  backend.handler = (_req, res) => {
    // An endless download: only the proxy hanging up ever ends it.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024, 0x61);
    const timer = setInterval(() => res.write(chunk), 5);
    res.once('close', () => clearInterval(timer));
  };
  try {
    await withProxy(kind, [backend.asBackend()], {}, async (proxy) => {
      for (let i = 0; i < ABORTED_DOWNLOADS; i++) {
        await rawExchange(
          proxy.host,
          proxy.port,
          `GET /download/${i} HTTP/1.1\r\nHost: t\r\n\r\n`,
          {
            abortAfterBytes: 4_096,
            timeoutMs: 3_000,
          },
        );
      }
      await waitFor('upstream connections to close', () => backend.sockets.size === 0, 3_000).catch(
        () => undefined,
      );
      assert.equal(
        backend.sockets.size,
        0,
        `${backend.sockets.size} upstream connection(s) still open 3 s after ${ABORTED_DOWNLOADS} clients hung up`,
      );
      if (kind === 'ours' || kind === 'ours-workers') {
        await waitFor('every settle', () => proxy.settles.length === ABORTED_DOWNLOADS, 2_000);
        assert.ok(
          proxy.settles.every((s) => s.outcome === 'client-aborted'),
          'settles were not client-aborted',
        );
      }
    });
  } finally {
    await backend.stop();
  }
};

// ---------------------------------------------------------------------------------------------

interface RawCheck {
  readonly item: string;
  readonly name: string;
  readonly run: Check;
  /** Why a bare http-proxy must fail this check (matched against the failure message). */
  readonly naiveFails: RegExp;
}

const RAW_CHECKS: readonly RawCheck[] = [
  {
    item: '1',
    name: 'Transfer-Encoding other than chunked gets 400',
    run: transferEncodingOtherThanChunkedIsRefused,
    naiveFails: /Transfer-Encoding: gzip, chunked (answered|reached)/,
  },
  {
    item: '1',
    name: 'chunked DELETE reaches the backend chunked, no smuggled request',
    run: chunkedBodyIsNeverResmuggled('DELETE'),
    naiveFails: /smuggling|re-framed/,
  },
  {
    item: '1',
    name: 'chunked OPTIONS reaches the backend chunked, no smuggled request',
    run: chunkedBodyIsNeverResmuggled('OPTIONS'),
    naiveFails: /smuggling|re-framed/,
  },
  {
    item: '2',
    name: 'a request Trailer header never crashes anything',
    run: requestTrailerHeaderNeverCrashes,
    naiveFails: /proxy crashed/,
  },
  {
    item: '3',
    name: 'request hop-by-hop and Connection-named headers are stripped',
    run: requestHopByHopHeadersAreStripped,
    naiveFails: /hop-by-hop request headers reached the backend/,
  },
  {
    item: '3',
    name: 'response hop-by-hop and Connection-named headers are stripped',
    run: responseHopByHopHeadersAreStripped(false),
    naiveFails: /hop-by-hop response headers reached the client/,
  },
  {
    item: '3',
    name: 'a response Trailer header is stripped, never a crash',
    run: responseHopByHopHeadersAreStripped(true),
    naiveFails: /proxy crashed/,
  },
  {
    item: '4',
    name: 'X-Forwarded-For from an untrusted peer is replaced; -Proto/-Host set',
    run: untrustedForwardedHeadersAreReplaced,
    naiveFails: /X-Forwarded-For reached the backend as "6\.6\.6\.6"/,
  },
  {
    item: '4',
    name: 'X-Forwarded-For from a trusted proxy is appended',
    run: trustedProxyForwardedForIsAppended,
    naiveFails: /X-Forwarded-For from a trusted proxy/,
  },
  {
    item: '5',
    name: 'backend resets, garbage, cut bodies and client faults never reach the process',
    run: upstreamAndClientFaultsNeverReachTheProcess,
    naiveFails: /proxy crashed/,
  },
  {
    item: '5',
    name: 'a refusing backend is a 502, not a crash',
    run: refusingBackendIsA502NotACrash,
    naiveFails: /proxy crashed/,
  },
  {
    item: '8',
    name: 'client aborts mid-download abort the upstream request',
    run: clientAbortsAbortTheUpstreamRequest,
    naiveFails: /upstream connection\(s\) still open/,
  },
];

describe('data-path hygiene, raw sockets: our proxy passes', () => {
  it.each(RAW_CHECKS.map((c) => [c.item, c.name, c] as const))(
    '[item %s] %s',
    async (_item, _name, check) => {
      await check.run('ours');
    },
  );
});

// proxy.workers is validated against the CPU count: 2 workers need 2 CPUs.
const describeWithTwoCpus = availableParallelism() >= 2 ? describe : describe.skip;
describeWithTwoCpus(
  'data-path hygiene, raw sockets: our proxy with proxy.workers 2 passes (skipped on a 1-CPU machine)',
  () => {
    // The workers run the same request steps and transports; this proves the split changes none
    // of it (admissions and settles cross the IPC, a worker crash is reported as a crash).
    it.each(RAW_CHECKS.map((c) => [c.item, c.name, c] as const))(
      '[item %s] %s',
      async (_item, _name, check) => {
        await check.run('ours-workers');
      },
    );
  },
);

describe('data-path hygiene, raw sockets: the same checks fail on a bare http-proxy 1.18.1', () => {
  it.each(RAW_CHECKS.map((c) => [c.item, c.name, c] as const))(
    '[item %s] %s',
    async (_item, _name, check) => {
      const failure = await check.run('naive').then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure).toBeDefined();
      expect(failure?.message).toMatch(check.naiveFails);
      if (process.env.PROXY_NAIVE_REPORT)
        console.log(`naive [item ${check.item}] ${check.name}: ${failure?.message.split('\n')[0]}`);
    },
  );
});

/**
 * The rows HAProxy (dataPlane.kind haproxy) handles differently from our proxy: the failure each
 * must show, and why (docs/data-plane-haproxy.md, "Hygiene"). Every other row must pass as is.
 */
const HAPROXY_DIFFERS: Readonly<Record<string, { readonly fails: RegExp; readonly why: string }>> =
  {
    'Transfer-Encoding other than chunked gets 400': {
      fails: /Transfer-Encoding: gzip, chunked answered 422, not 400/,
      why: "HAProxy's own HTTP/1 parser refuses it with 422 before any rule runs: refused, never forwarded, only the status differs",
    },
    'a refusing backend is a 502, not a crash': {
      fails: /a refusing backend answered 503, not 502/,
      why: 'HAProxy answers a connect refused after its one retry with 503 (+ Retry-After), not 502',
    },
  };

describeWithTools(
  [SYSTEM_TOOLS.haproxy],
  'data-path hygiene, raw sockets: dataPlane.kind haproxy (the same checks; documented differences asserted)',
  () => {
    it.each(RAW_CHECKS.map((c) => [c.item, c.name, c] as const))(
      '[item %s] %s',
      async (_item, name, check) => {
        const differs = HAPROXY_DIFFERS[name];
        if (!differs) {
          await check.run('haproxy');
          return;
        }
        const failure = await check.run('haproxy').then(
          () => undefined,
          (error: Error) => error,
        );
        expect(failure?.message).toMatch(differs.fails);
      },
    );
  },
);
