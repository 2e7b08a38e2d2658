import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEnvironmentFile, parseSystemdUnit, splitCommandLine } from './systemd-unit';

const serviceUnit = fs.readFileSync(
  path.resolve(__dirname, '../../apps/service/deploy/service-app.service'),
  'utf8',
);

describe('systemd unit files', () => {
  it("reads the service's own unit: ExecStart, Environment, Restart, User, WantedBy", () => {
    expect(parseSystemdUnit('service-app.service', serviceUnit)).toEqual({
      name: 'service-app.service',
      execStart: ['/usr/bin/node', '/opt/service/main.js'],
      environment: { HOST: '0.0.0.0', PORT: '5000' },
      environmentFiles: [],
      restart: 'always',
      restartSecMs: 100,
      user: 'ubuntu',
      wantedBy: ['multi-user.target'],
    });
  });

  it('handles quotes, prefixes, continuation lines, RestartSec and EnvironmentFile', () => {
    const unit = parseSystemdUnit(
      'x.service',
      '[Service]\nExecStart=-/usr/bin/env "A B" \\\n  c\nEnvironment="GREETING=hello world" N=1\nEnvironmentFile=-/etc/default/x\nRestartSec=2s\nRestart=on-failure\n',
    );
    expect(unit.execStart).toEqual(['/usr/bin/env', 'A B', 'c']);
    expect(unit.environment).toEqual({ GREETING: 'hello world', N: '1' });
    expect(unit.environmentFiles).toEqual([{ path: '/etc/default/x', optional: true }]);
    expect(unit.restartSecMs).toBe(2000);
    expect(unit.restart).toBe('on-failure');
    expect(splitCommandLine(`a 'b c' d\\ e`)).toEqual(['a', 'b c', 'd e']);
    expect(parseEnvironmentFile('# c\nA=1\nB="two words"\n\n')).toEqual({ A: '1', B: 'two words' });
  });

  it('refuses what it cannot run, naming the unit and the setting', () => {
    expect(() =>
      parseSystemdUnit('a.service', '[Service]\nRestart=sometimes\nExecStart=/x\n'),
    ).toThrow(
      'unit a.service: Restart=sometimes: allowed are no, always, on-failure, on-abnormal, on-abort, on-watchdog',
    );
    expect(() => parseSystemdUnit('b.service', '[Unit]\nDescription=b\n')).toThrow(
      'unit b.service: has no ExecStart= in [Service]',
    );
    expect(() =>
      parseSystemdUnit('c.service', '[Service]\nExecStart=/x\nRestartSec=soon\n'),
    ).toThrow('unit c.service: RestartSec=soon: expected a time like 5, 5s, 500ms or 1min');
  });
});
