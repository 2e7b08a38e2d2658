import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive } from '../../../e2e/support/process-tree';
import { NodeProcessLauncher } from './process-launcher';

describe('NodeProcessLauncher', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function script(name: string, code: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, code);
    return file;
  }

  it('passes only the given environment and collects output lines', async () => {
    const lines: string[] = [];
    const child = new NodeProcessLauncher().launch({
      name: 'env',
      scriptPath: script(
        'env.js',
        "console.log('HOST=' + process.env.HOST); console.log('HOME=' + process.env.HOME); console.error('bye');",
      ),
      env: { HOST: '127.0.0.9' },
      onOutput: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(lines.sort()).toEqual(['stderr:bye', 'stdout:HOME=undefined', 'stdout:HOST=127.0.0.9']);
    expect(child.recentOutput()).toHaveLength(3);
  });

  it('escalates to SIGKILL when a child ignores SIGTERM for longer than the grace period', async () => {
    const child = new NodeProcessLauncher().launch({
      name: 'stubborn',
      scriptPath: script(
        'stubborn.js',
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);",
      ),
      env: {},
    });
    const started = Date.now();
    while (!child.recentOutput().includes('up') && Date.now() - started < 5_000)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const pid = child.pid as number;
    const exit = await child.stop(300);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.recentOutput()).toContain('ignoring SIGTERM');
    expect(isAlive(pid)).toBe(false);
  });
});
