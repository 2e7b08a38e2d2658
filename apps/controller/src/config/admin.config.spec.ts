import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { Secret } from '@osa/openstack-client';
import { isLoopbackAddress } from './admin.config';
import { ConfigError } from './config-error';
import { loadControllerConfig } from './config-loader';
import { ControllerConfig } from './controller-config';

const TOKEN = 'c0ffee'.repeat(8); // 48 hex characters

/** Loads a config from OSA_* overrides only (no file), as main.ts would. */
function load(env: Record<string, string>): ControllerConfig {
  const request = loadControllerConfig({
    argv: [],
    env,
    cwd: '/nonexistent',
    homeDir: '/nonexistent',
    readTextFile: () => undefined,
  });
  if (request.kind !== 'run') throw new Error('unexpected --help');
  return request.loaded.config;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
  throw new Error('expected a ConfigError');
}

/** Problems of a config file holding `plain` (as YAML). */
function problemsOfFile(plain: Record<string, unknown>): string[] {
  const file = '/virtual/controller.yaml';
  try {
    loadControllerConfig({
      argv: ['--config', file],
      env: {},
      cwd: '/',
      homeDir: '/',
      readTextFile: (p) => (p === file ? stringify(plain) : undefined),
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
  throw new Error('expected a ConfigError');
}

describe('admin config: listen address and bearer token', () => {
  it('binds loopback with no token by default', () => {
    const { admin } = load({});
    expect(admin.listenHost).toBe('127.0.0.1');
    expect(admin.bearerToken).toBeUndefined();
  });

  it.each(['127.0.0.1', '127.45.6.7', '::1', '::ffff:127.0.0.1'])(
    'accepts loopback %s without a token',
    (host) => {
      expect(load({ OSA_ADMIN__LISTEN_HOST: host }).admin.listenHost).toBe(host);
    },
  );

  it.each(['0.0.0.0', '10.1.2.3', '::', '192.168.0.10'])(
    'refuses %s without a token, naming the key, the fix and the source',
    (host) => {
      // Quoted: unquoted `::` is a YAML mapping.
      expect(problemsOf({ OSA_ADMIN__LISTEN_HOST: JSON.stringify(host) })).toEqual([
        expect.stringMatching(
          new RegExp(
            `^ {2}- admin\\.listenHost = "${host.replace(/\./g, '\\.')}": is not a loopback address, so admin\\.bearerToken must be set .*OSA_ADMIN__BEARER_TOKEN .*openssl rand -hex 32.* \\(from OSA_ADMIN__LISTEN_HOST\\)$`,
          ),
        ),
      ]);
    },
  );

  it('accepts any address once a token is set, and holds the token as a Secret that never prints', () => {
    const config = load({ OSA_ADMIN__LISTEN_HOST: '0.0.0.0', OSA_ADMIN__BEARER_TOKEN: TOKEN });
    expect(config.admin.listenHost).toBe('0.0.0.0');
    expect(config.admin.bearerToken).toBeInstanceOf(Secret);
    expect(config.admin.bearerToken?.reveal()).toBe(TOKEN);
    const printed = [
      String(config.admin.bearerToken),
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${config.admin.bearerToken}`,
    ].join('\n');
    expect(printed).not.toContain(TOKEN);
    expect(JSON.parse(JSON.stringify(config)).admin.bearerToken).toBe('***');
  });

  it.each([
    ['too short', 'a1b2c3d4'],
    ['with a space', `${TOKEN} x`],
    ['with a quote', `${TOKEN}"`],
  ])('refuses a token %s, masking it in the message', (_what, token) => {
    const problems = problemsOf({ OSA_ADMIN__BEARER_TOKEN: token });
    expect(problems).toEqual([
      expect.stringMatching(
        /^ {2}- admin\.bearerToken = \*\*\*: must be a token of 32 to 1024 characters from .* \(from OSA_ADMIN__BEARER_TOKEN\)$/,
      ),
    ]);
    expect(problems.join('\n')).not.toContain(token);
  });

  it('refuses a token YAML reads as a number (quote it) without printing it', () => {
    const digits = '1234567890'.repeat(4);
    const problems = problemsOf({ OSA_ADMIN__BEARER_TOKEN: digits });
    expect(problems).toEqual([
      expect.stringContaining('admin.bearerToken = ***: must be a token of 32 to 1024 characters'),
    ]);
    expect(problems[0]).toContain('quote a value YAML would read as a number');
    expect(problems[0]).not.toContain(digits.slice(0, 12));
    expect(load({ OSA_ADMIN__BEARER_TOKEN: `"${digits}"` }).admin.bearerToken?.reveal()).toBe(
      digits,
    );
  });

  it('an invalid token on a public address is reported once, on the token', () => {
    expect(
      problemsOf({ OSA_ADMIN__LISTEN_HOST: '0.0.0.0', OSA_ADMIN__BEARER_TOKEN: 'short' }),
    ).toEqual([expect.stringMatching(/^ {2}- admin\.bearerToken = \*\*\*: must be a token/)]);
  });

  it.each([
    ['a mistyped token key', { admin: { bearerTokn: TOKEN } }, 'admin.bearerTokn'],
    [
      'a token under an unrelated unknown key',
      { admin: { listenPortt: TOKEN } },
      'admin.listenPortt',
    ],
    ['a token inside an unknown section', { adminn: { bearerToken: TOKEN } }, 'adminn'],
  ])('masks %s in the unknown-key message', (_what, plain, key) => {
    const problems = problemsOfFile(plain);
    expect(problems).toEqual([expect.stringContaining(`${key} = ***: unknown key`)]);
    expect(problems.join('\n')).not.toContain(TOKEN.slice(0, 16));
  });

  it('recognises loopback addresses (IPv4 127/8, ::1, IPv4-mapped) and nothing else', () => {
    expect(
      ['127.0.0.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.1.2.3'].filter(
        isLoopbackAddress,
      ),
    ).toHaveLength(5);
    expect(
      [
        '0.0.0.0',
        '::',
        '128.0.0.1',
        '10.0.0.1',
        '::ffff:10.0.0.1',
        'localhost',
        '',
        '127.0.0.1.nip.io',
      ].filter(isLoopbackAddress),
    ).toEqual([]);
  });
});
