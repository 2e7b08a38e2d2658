import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** `haproxy -c` refused the configuration; the message names each line at fault and shows it. */
export class HaproxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HaproxyConfigError';
  }
}

const CHECK_TIMEOUT_MS = 30_000;

/**
 * Runs HAProxy's own check (`haproxy -c -f FILE`) before every start: a configuration HAProxy
 * would refuse is reported with the line at fault, never found out by a process that exits at once.
 */
export async function checkHaproxyConfig(binary: string, configFile: string): Promise<void> {
  const { code, output } = await new Promise<{ code: number | string | null; output: string }>(
    (resolve) => {
      execFile(
        binary,
        ['-c', '-f', configFile],
        { timeout: CHECK_TIMEOUT_MS, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const failure = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
          resolve({ code: failure ? (failure.code ?? 1) : 0, output: `${stdout}${stderr}` });
        },
      );
    },
  );
  if (code === 0) return;
  if (code === 'ENOENT' || code === 'EACCES') {
    throw new HaproxyConfigError(
      `cannot run ${binary} (${code}): install HAProxy 2.6+ (apt-get install -y haproxy) or set dataPlane.haproxy.binary`,
    );
  }
  throw new HaproxyConfigError(describeCheckFailure(output, configFile, readLines(configFile)));
}

/**
 * HAProxy's alerts name the place as `[FILE:LINE]`; each is shown with that line's text, so the
 * operator sees what was written, not only what HAProxy thought of it.
 */
export function describeCheckFailure(
  output: string,
  configFile: string,
  configLines: readonly string[],
): string {
  const alerts = output
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        /\[(ALERT|WARNING)\]/.test(line) &&
        !/Fatal errors found in configuration|Error\(s\) found in configuration file/.test(line),
    );
  const described = alerts.map((alert) => {
    const at = /\[([^\]]+):(\d+)\]/.exec(alert);
    if (!at || at[1] !== configFile) return `  - ${alert}`;
    const lineNumber = Number(at[2]);
    return `  - line ${lineNumber}: ${alert}\n      ${lineNumber} | ${configLines[lineNumber - 1]?.trim() ?? '(no such line)'}`;
  });
  const detail =
    described.length > 0
      ? described.join('\n')
      : `  ${output.trim().split('\n').slice(-5).join('\n  ') || '(no output)'}`;
  return `haproxy -c refused ${configFile}:\n${detail}`;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}
