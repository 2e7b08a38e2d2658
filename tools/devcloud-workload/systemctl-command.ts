/**
 * What `systemctl <args>` does inside a runner VM (the stand-in forwards its argv to the runner):
 * daemon-reload, enable/disable [--now], start, stop, restart, status, is-active, is-enabled.
 * Returns what systemctl would print and its exit code; an unknown verb is a clear error.
 */
import { UnitSupervisor } from './unit-supervisor';

export interface CommandResult {
  code: number;
  output: string;
}

const VERBS = [
  'daemon-reload',
  'enable',
  'disable',
  'start',
  'stop',
  'restart',
  'status',
  'is-active',
  'is-enabled',
];

export async function runSystemctl(
  supervisor: UnitSupervisor,
  argv: string[],
): Promise<CommandResult> {
  const flags = argv.filter((a) => a.startsWith('-'));
  const words = argv.filter((a) => !a.startsWith('-'));
  const [verb, ...rawNames] = words;
  const names = rawNames.map((n) => UnitSupervisor.normalizeName(n));
  const now = flags.includes('--now');
  const out: string[] = [];
  try {
    switch (verb) {
      case 'daemon-reload':
        // Unit files are re-read at every start: nothing is cached to reload.
        return { code: 0, output: '' };
      case 'enable':
        for (const name of names) out.push(...supervisor.enable(name));
        if (now) for (const name of names) supervisor.start(name);
        return { code: 0, output: out.join('\n') };
      case 'disable':
        for (const name of names) out.push(...supervisor.disable(name));
        if (now) for (const name of names) await supervisor.stop(name);
        return { code: 0, output: out.join('\n') };
      case 'start':
        for (const name of names) supervisor.start(name);
        return { code: 0, output: '' };
      case 'stop':
        for (const name of names) await supervisor.stop(name);
        return { code: 0, output: '' };
      case 'restart':
        for (const name of names) await supervisor.restart(name);
        return { code: 0, output: '' };
      case 'status':
        return {
          code: names.every((n) => supervisor.state(n) === 'active') ? 0 : 3,
          output: names.map((n) => supervisor.status(n)).join('\n\n'),
        };
      case 'is-active': {
        const states = names.map((n) => supervisor.state(n));
        return { code: states.every((s) => s === 'active') ? 0 : 3, output: states.join('\n') };
      }
      case 'is-enabled': {
        const enabled = names.map((n) => supervisor.isEnabled(n));
        return {
          code: enabled.every(Boolean) ? 0 : 1,
          output: enabled.map((e) => (e ? 'enabled' : 'disabled')).join('\n'),
        };
      }
      default:
        return {
          code: 1,
          output: `systemctl (devcloud workload runner): unknown command ${JSON.stringify(verb ?? '')}; supported: ${VERBS.join(', ')}`,
        };
    }
  } catch (error) {
    return { code: 1, output: (error as Error).message };
  }
}
