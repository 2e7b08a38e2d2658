import { PassThrough } from 'node:stream';
import { parseLogLine } from '../../e2e/support/log-lines';
import { LogConfig } from '../config/log.config';
import { createControllerLogger } from './controller-logger';

function capture(config: Partial<LogConfig>): {
  logger: ReturnType<typeof createControllerLogger>;
  lines: () => string[];
} {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createControllerLogger(Object.assign(new LogConfig(), config), output);
  return { logger, lines: () => text.split('\n').filter(Boolean) };
}

describe('the controller logger (pino)', () => {
  it('writes one JSON object per event, level by name, the event values as fields', () => {
    const { logger, lines } = capture({ format: 'json' });
    logger
      .child({ context: 'Scaling' })
      .info({ instanceId: 'c1', phase: 'booting', elapsedMs: 812 }, 'phase change');
    logger.debug('not at info');
    const [line, ...rest] = lines();
    expect(rest).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      context: 'Scaling',
      msg: 'phase change',
      instanceId: 'c1',
      phase: 'booting',
      elapsedMs: 812,
    });
    expect(typeof JSON.parse(line).time).toBe('string');
  });

  it('never writes a credential-like field, at the top or one level down', () => {
    const { logger, lines } = capture({ format: 'json', level: 'debug' });
    logger.warn(
      {
        password: 'pw-1',
        token: 'tok-2',
        headers: { authorization: 'Bearer tok-3', 'x-auth-token': 'tok-4' },
        auth: { applicationCredentialSecret: 'sec-5' },
        serviceEnv: { API_KEY: 'key-6' },
      },
      'call failed',
    );
    const text = lines().join('\n');
    for (const secret of ['pw-1', 'tok-2', 'tok-3', 'tok-4', 'sec-5', 'key-6'])
      expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      password: '***',
      headers: { authorization: '***' },
      auth: { applicationCredentialSecret: '***' },
    });
  });

  it('maps the old Nest level names (log, verbose) and prints a readable line in pretty mode', () => {
    const { logger, lines } = capture({ format: 'pretty', level: 'log' });
    logger.child({ context: 'Original' }).info({ instanceId: 'vm1', elapsedMs: 5 }, 'admitted');
    logger.debug('hidden at info');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/INFO.*\[Original\] admitted.*"instanceId":"vm1".*"elapsedMs":5/);
    expect(lines()[0]).not.toMatch(/^\{/);
    const verbose = capture({ format: 'json', level: 'verbose' });
    verbose.logger.trace('every probe');
    expect(verbose.lines()).toHaveLength(1);
  });

  it('reads back the same record from a JSON line and from a pretty line (the e2e log reader)', () => {
    const write = (logger: ReturnType<typeof createControllerLogger>): void =>
      logger
        .child({ context: 'Scaling' })
        .warn(
          { instanceId: 'c9', phase: 'failed', elapsedMs: 40, detail: 'a {brace} in text' },
          'instance phase change',
        );
    const json = capture({ format: 'json' });
    const pretty = capture({ format: 'pretty' });
    write(json.logger);
    write(pretty.logger);
    const expected = {
      level: 'warn',
      context: 'Scaling',
      msg: 'instance phase change',
      instanceId: 'c9',
      phase: 'failed',
      elapsedMs: 40,
      detail: 'a {brace} in text',
    };
    expect(parseLogLine(json.lines()[0])).toMatchObject(expected);
    expect(parseLogLine(pretty.lines()[0])).toMatchObject(expected);
  });
});
