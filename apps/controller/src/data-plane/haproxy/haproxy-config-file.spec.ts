import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithTools, findSystemTool, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { HaproxyDataPlaneConfig } from '../../config/data-plane.config';
import { PathMapping, ProxyConfig } from '../../config/proxy.config';
import { TrafficConfig } from '../../config/traffic.config';
import { checkHaproxyConfig, describeCheckFailure } from './haproxy-config-check';
import {
  HaproxyConfigInputs,
  quote,
  renderGateMap,
  renderHaproxyConfig,
  renderLuaActions,
} from './haproxy-config-file';

function inputs(
  dir: string,
  change: { proxy?: Partial<ProxyConfig>; traffic?: Partial<TrafficConfig> } = {},
): HaproxyConfigInputs {
  return {
    haproxy: new HaproxyDataPlaneConfig(),
    proxy: Object.assign(
      new ProxyConfig(),
      { listenHost: '127.66.1.1', listenPort: 18080 },
      change.proxy,
    ),
    traffic: Object.assign(new TrafficConfig(), change.traffic),
    retryAfterSeconds: 5,
    serverSlots: 4,
    files: {
      socketPath: join(dir, 'api.sock'),
      gateMapPath: join(dir, 'gate.map'),
      luaPath: join(dir, 'hold.lua'),
    },
  };
}

describe('renderHaproxyConfig', () => {
  it('takes the proxy and traffic settings the built-in proxy uses', () => {
    const text = renderHaproxyConfig(
      inputs('/run/osa', {
        proxy: {
          trustedProxies: ['10.0.0.0/8'],
          upstreamTimeoutMs: 90_000,
          pathMappings: [
            Object.assign(new PathMapping(), { method: 'GET', from: '/', to: '/work' }),
          ],
        },
        traffic: {
          mode: 'pool',
          balancing: 'round-robin',
          duringScaleOut: 'queue',
          queueMaxRequests: 7,
          queueMaxWaitMs: 2_000,
        },
      }),
    );
    expect(text).toContain('  bind 127.66.1.1:18080');
    expect(text).toContain('  balance roundrobin');
    expect(text).toContain('  server-template slot 1-4 0.0.0.0:0 disabled maxconn 256');
    expect(text).toContain('  timeout server 90000ms');
    expect(text).toContain('  timeout queue 2000ms');
    expect(text).toContain('  acl osa_trusted_peer src 10.0.0.0/8');
    expect(text).toContain('  http-request del-header X-Forwarded-For if !osa_trusted_peer');
    expect(text).toContain('  http-request set-path "/work" if { var(txn.osa_mapping) -m int 0 }');
    expect(text).toContain('  lua-load "/run/osa/hold.lua"');
    expect(text).toContain('  http-request lua.osa_hold_for_instance osa-instances 2000 7');
    expect(text).toMatch(/if \{ queue\(osa-instances\) ge 7 \}/);
  });

  it('switch mode balances with `first` (only the active instance is ready); no hold outside queue mode', () => {
    const text = renderHaproxyConfig(inputs('/run/osa'));
    expect(text).toContain('  balance first');
    expect(text).not.toContain('osa_hold_for_instance');
  });

  it('quotes configuration words and writes the gate map on single lines', () => {
    expect(quote('a "b" $HOME \\')).toBe('"a \\"b\\" \\$HOME \\\\"');
    expect(renderGateMap({ retryAfterSeconds: 3, reason: 'scaling out;\nretry' })).toBe(
      'reason scaling out retry\nretry-after 3\nclosed yes\n',
    );
    expect(renderGateMap(undefined)).toBe('');
  });
});

describeWithTools([SYSTEM_TOOLS.haproxy], 'haproxy -c on what we write (real HAProxy)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'osa-haproxy-spec-'));
    writeFileSync(join(dir, 'gate.map'), '');
    writeFileSync(join(dir, 'hold.lua'), renderLuaActions());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const binary = (): string => findSystemTool('haproxy') as string;

  it.each([
    ['switch + reject (the seed)', {}],
    [
      'pool + least-outstanding + serve',
      { traffic: { mode: 'pool' as const, duringScaleOut: 'serve' as const } },
    ],
    [
      'pool + round-robin + queue, trusted proxies, chunked DELETE refused',
      {
        traffic: {
          mode: 'pool' as const,
          balancing: 'round-robin' as const,
          duringScaleOut: 'queue' as const,
        },
        proxy: {
          trustedProxies: ['127.0.0.0/8', 'fd00::/8'],
          chunkedDeleteOptions: 'reject' as const,
        },
      },
    ],
  ])('%s: HAProxy accepts it', async (_name, change) => {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, renderHaproxyConfig(inputs(dir, change)));
    await expect(checkHaproxyConfig(binary(), file)).resolves.toBeUndefined();
  });

  it('a refused configuration is reported with the line at fault and its text', async () => {
    const file = join(dir, 'haproxy.cfg');
    const lines = renderHaproxyConfig(inputs(dir)).split('\n');
    const at = lines.findIndex((line) => line.startsWith('  balance'));
    lines[at] = '  balance nonsense-algorithm';
    writeFileSync(file, lines.join('\n'));
    const failure = await checkHaproxyConfig(binary(), file).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(new RegExp(`^haproxy -c refused ${file}:`));
    expect(failure?.message).toContain(`line ${at + 1}: `);
    expect(failure?.message).toContain(`${at + 1} | balance nonsense-algorithm`);
  });

  it('a missing binary says how to install it', async () => {
    await expect(
      checkHaproxyConfig(join(dir, 'no-haproxy'), join(dir, 'haproxy.cfg')),
    ).rejects.toThrow(
      /cannot run .*no-haproxy \(ENOENT\): install HAProxy 2\.6\+ \(apt-get install -y haproxy\) or set dataPlane\.haproxy\.binary/,
    );
  });
});

describe('describeCheckFailure', () => {
  it('falls back to the last lines when HAProxy names no line', () => {
    expect(describeCheckFailure('something odd\n', '/x.cfg', [])).toBe(
      'haproxy -c refused /x.cfg:\n  something odd',
    );
  });
});
