import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { DEFAULT_IDLE_TIMEOUT_MS, parseInvocation } from './main';
import { OsaClient } from './osa-client';
import { UnreachableError, UsageError } from './osa-errors';
import { render } from './output-formatter';
import { statusOutput } from './osa-commands';

describe('osa argument parsing', () => {
  const parse = (...argv: string[]) => parseInvocation(argv, {});

  it('finds two-word commands, their positionals and options, and the URL from --url, OSA_URL or the default', () => {
    const remove = parse('instance', 'remove', 'service-auto-1', '--replace', '-f', 'json');
    expect(remove).toMatchObject({
      command: { name: 'instance remove' },
      positionals: ['service-auto-1'],
      options: { replace: true },
      format: 'json',
      url: 'http://127.0.0.1:8001',
    });
    expect(parseInvocation(['status'], { OSA_URL: 'http://127.9.9.9:1' })).toMatchObject({
      url: 'http://127.9.9.9:1',
    });
    expect(
      parseInvocation(['status', '--url', 'http://127.1.1.1:2'], { OSA_URL: 'http://127.9.9.9:1' }),
    ).toMatchObject({ url: 'http://127.1.1.1:2' });
    expect(
      parse('event', 'list', '--since', '10m', '--follow', '-c', 'Kind', '-c', 'State'),
    ).toMatchObject({ options: { since: '10m', follow: true }, columns: ['Kind', 'State'] });
    expect(parse()).toBe('help');
    expect(parse('refresh', 'start', '--image', 'img-2')).toMatchObject({
      command: { name: 'refresh start' },
      options: { image: 'img-2' },
    });
    for (const action of ['status', 'pause', 'resume', 'cancel'])
      expect(parse('refresh', action)).toMatchObject({ command: { name: `refresh ${action}` } });
  });

  it.each([
    [['instance', 'frobnicate'], /unknown command "instance frobnicate"/],
    [['instance', 'show'], /instance show: expected ID, got none/],
    [['status', '--replace'], /--replace does not apply to "status"/],
    [['refresh', 'pause', '--image', 'x'], /--image does not apply to "refresh pause"/],
    [['status', '-f', 'xml'], /-f xml: choose one of table, json, yaml, value/],
    [
      ['status', '--token', 'abc'],
      /unknown option --token \(the token is read from OSA_ADMIN_TOKEN only/,
    ],
  ])('refuses %j with a one-line reason', (argv, reason) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(reason);
  });
});

describe('osa output formats', () => {
  const list = {
    kind: 'list' as const,
    columns: ['Name', 'Phase'],
    rows: [
      { Name: 'a', Phase: 'admitted' },
      { Name: 'b', Phase: 'booting' },
    ],
  };

  it('prints tables, values, JSON and YAML, and -c picks columns case-insensitively', () => {
    expect(render(list, 'table', [])).toBe(
      [
        '+------+----------+',
        '| Name | Phase    |',
        '+------+----------+',
        '| a    | admitted |',
        '| b    | booting  |',
        '+------+----------+',
        '',
      ].join('\n'),
    );
    expect(render(list, 'value', ['phase'])).toBe('admitted\nbooting\n');
    expect(JSON.parse(render(list, 'json', ['name']))).toEqual([{ Name: 'a' }, { Name: 'b' }]);
    expect(render({ kind: 'show', fields: { gate: 'open', desired: 2 } }, 'yaml', [])).toBe(
      'gate: open\ndesired: 2\n',
    );
    expect(render({ kind: 'show', fields: { gate: 'open', desired: 2 } }, 'value', ['gate'])).toBe(
      'open\n',
    );
  });

  it('names the known columns when -c asks for another', () => {
    expect(() => render(list, 'table', ['Age'])).toThrow(
      '-c Age: no such column; choose from: Name, Phase',
    );
  });
});

describe('osa status: placement and scheduled capacity', () => {
  const base = {
    lifecycle: 'running',
    provider: 'openstack',
    traffic: 'switch',
    duringScaleOut: 'reject',
    scaling: {
      autoscaling: 'active',
      desired: 2,
      actual: 1,
      serving: 1,
      minInstances: 1,
      maxInstances: 3,
      inProgress: 0,
    },
    gate: { state: 'open', reason: null, since: null, queueDepth: 0 },
    cloudApi: { state: 'ok', degradedSince: null, lastError: null },
    requests: { received: 0, forwarded: 0, rejectedWhileScaling: 0, rejectedNoBackend: 0 },
    activeInstance: 'service-vm-1',
  };

  it('shows what holds scale-outs, the quota, the zones and the next three scheduled changes', () => {
    const output = statusOutput({
      ...base,
      placement: {
        serverGroup: { name: 'web', policy: 'anti-affinity' },
        zones: [
          { zone: 'az1', instances: 1 },
          { zone: 'az2', instances: 0, skippedUntil: '2026-01-01T00:05:00.000Z' },
        ],
        quota: {
          instances: { limit: 2, used: 2 },
          cores: { limit: -1, used: 2 },
          ramMb: { limit: 4096, used: 4096 },
        },
        blocked: {
          kind: 'quota',
          message: 'quota instances: ... 1 over',
          since: '2026-01-01T00:00:00.000Z',
        },
      },
      schedule: {
        inForce: { minInstances: 1, maxInstances: 3 },
        next: [
          { at: '2026-01-05T08:00:00.000Z', entry: 'morning', minInstances: 3 },
          { at: '2026-01-05T17:00:00.000Z', entry: 'evening', minInstances: 1, desired: 1 },
        ],
      },
    });
    expect(
      render(output, 'value', [
        'scale_out_blocked',
        'server_group',
        'zones',
        'quota',
        'next_scheduled_changes',
      ]),
    ).toBe(
      [
        'quota instances: ... 1 over',
        'web (anti-affinity)',
        'az1=1 az2=0 (skipped until 2026-01-01T00:05:00.000Z)',
        'instances 2/2, cores 2/unlimited, ram MiB 4096/4096',
        '2026-01-05T08:00:00.000Z morning: min 3; 2026-01-05T17:00:00.000Z evening: min 1, desired 1',
      ].join('\n') + '\n',
    );
  });

  it('an older controller without these blocks shows empty cells, not an error', () => {
    const output = statusOutput(base);
    expect(output.kind).toBe('show');
    expect(render(output, 'value', ['next_scheduled_changes'])).toBe('\n');
  });
});

describe('osa event list --follow --idle-timeout', () => {
  it('defaults to 30 s, takes a duration or 0, and refuses a bad one or one without --follow', () => {
    const follow = (...extra: string[]) =>
      parseInvocation(['event', 'list', '--follow', ...extra], {});
    expect(follow()).toMatchObject({ options: { idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS } });
    expect(DEFAULT_IDLE_TIMEOUT_MS).toBe(30_000);
    expect(follow('--idle-timeout', '2m')).toMatchObject({ options: { idleTimeoutMs: 120_000 } });
    expect(follow('--idle-timeout', '0')).toMatchObject({ options: { idleTimeoutMs: 0 } });
    expect(() => follow('--idle-timeout', 'soon')).toThrow(
      /--idle-timeout soon: expected a duration such as 30s/,
    );
    expect(() => parseInvocation(['event', 'list', '--idle-timeout', '5s'], {})).toThrow(
      /applies only with --follow/,
    );
    expect(() => parseInvocation(['status', '--idle-timeout', '5s'], {})).toThrow(UsageError);
  });

  it('gives up on a stream that stops sending, with a message naming the flag', async () => {
    // A controller stand-in that sends the stream's first message, then nothing (a stalled connection).
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: hello\ndata: {}\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const received: string[] = [];
    try {
      const client = new OsaClient(`http://127.0.0.1:${port}`, undefined);
      const following = client.stream(
        (message) => received.push(message.type),
        new AbortController().signal,
        300,
      );
      await expect(following).rejects.toThrow(UnreachableError);
      await expect(following).rejects.toThrow(/silent for 0.3s \(--idle-timeout\)/);
      expect(received).toEqual(['hello']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
