import { spawn } from 'node:child_process';

export interface SlowHttpTestRun {
  readonly exitCode: number | null;
  /** The last "service available" verdict slowhttptest printed (its own probe). */
  readonly lastAvailability: string | undefined;
  readonly output: string;
}

/**
 * Run Debian's `slowhttptest` against `url` for `seconds` (its `-l`), killed by PID if it
 * overruns by 10 s. `mode`: -H slow headers, -B slow body, -X slow read.
 */
export function runSlowHttpTest(
  mode: '-H' | '-B' | '-X',
  url: string,
  seconds: number,
  connections: number,
  onProgress: (line: string) => void = () => undefined,
): Promise<SlowHttpTestRun> {
  const args = [
    mode,
    '-u',
    url,
    '-c',
    String(connections),
    '-r',
    String(Math.min(connections, 200)),
    '-l',
    String(seconds),
    '-i',
    '1',
    '-p',
    '3',
  ];
  if (mode === '-X') args.push('-k', '3', '-n', '1', '-w', '16', '-y', '64', '-z', '16');
  const child = spawn('slowhttptest', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    for (const line of text.split('\n'))
      if (/service available/i.test(line)) onProgress(line.trim());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      const verdicts = output.match(/service available:\s*\S+/gi);
      resolve({ exitCode: code, lastAvailability: verdicts?.[verdicts.length - 1], output });
    });
  });
}
