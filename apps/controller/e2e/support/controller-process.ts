import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ArrivalWaiter } from './arrival-waiter';
import { FieldMatch, lineText, LogRecord, logMatches, parseLogLine } from './log-lines';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');
export const CONTROLLER_MAIN = path.join(WORKSPACE_ROOT, 'dist/apps/controller/main.js');
export const SERVICE_BUNDLE = path.join(WORKSPACE_ROOT, 'dist/apps/service/main.js');

export interface ControllerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The built controller (`node dist/apps/controller/main.js --config FILE`) as a real child
 * process, with its output collected line by line so tests can wait for and assert on log lines:
 * `rawLines` as written (JSON log records, or plain text such as config errors), `lines` as text
 * (support/log-lines.ts: `INFO [Context] msg key=value`), `records` the parsed log records.
 */
export class ControllerProcess {
  readonly rawLines: string[] = [];
  readonly lines: string[] = [];
  readonly records: LogRecord[] = [];
  readonly exited: Promise<ControllerExit>;
  private readonly child: ChildProcess;
  private readonly arrivals = new ArrivalWaiter();
  private exitInfo: ControllerExit | undefined;

  private constructor(
    readonly configFile: string,
    args: string[],
    env: Record<string, string>,
    ownProcessGroup = false,
  ) {
    if (!fs.existsSync(CONTROLLER_MAIN))
      throw new Error(`${CONTROLLER_MAIN} is missing: run \`npx nx build controller\` first`);
    this.child = spawn(process.execPath, [CONTROLLER_MAIN, ...args], {
      cwd: WORKSPACE_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownProcessGroup,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (pending + chunk).split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) {
          this.rawLines.push(line);
          this.lines.push(lineText(line));
          const record = parseLogLine(line);
          if (record) this.records.push(record);
        }
        this.arrivals.notify();
      });
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.arrivals.notify();
        resolve(this.exitInfo);
      }),
    );
  }

  /** Writes `config` as YAML to a temporary file and starts the controller with `--config` on it. */
  static start(
    config: Record<string, unknown>,
    extraEnv: Record<string, string> = {},
    options: { ownProcessGroup?: boolean } = {},
  ): ControllerProcess {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-e2e-'));
    const file = path.join(dir, 'controller.yaml');
    fs.writeFileSync(file, stringify(withOwnImageStore(config, dir)));
    // A clean environment: nothing of the test runner's (no OS_*, no OSA_*) leaks in.
    return new ControllerProcess(
      file,
      ['--config', file],
      { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extraEnv },
      options.ownProcessGroup === true,
    );
  }

  /** Starts the controller with arbitrary arguments and environment (config validation tests). */
  static run(args: string[], env: Record<string, string>): ControllerProcess {
    return new ControllerProcess('', args, { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('controller did not start');
    return this.child.pid;
  }

  /** Every line as text (log records rendered), for assertions and failure messages. */
  get output(): string {
    return this.lines.join('\n');
  }

  /** Every line exactly as the controller wrote it (what a secret scan must look at). */
  get rawOutput(): string {
    return this.rawLines.join('\n');
  }

  /** Log records with every field of `match`. */
  logs(match: FieldMatch): LogRecord[] {
    return this.records.filter((record) => logMatches(record, match));
  }

  /** Resolves with the first log record (from the start) that has every field of `match`. */
  waitForLog(match: FieldMatch, timeoutMs: number): Promise<LogRecord> {
    return this.arrivals.until(
      () => this.records.find((record) => logMatches(record, match)),
      timeoutMs,
      () => `no log record with ${describeMatch(match)} within ${timeoutMs} ms:\n${this.output}`,
      () =>
        this.exitInfo
          ? new Error(
              `controller exited (${JSON.stringify(this.exitInfo)}) before logging ${describeMatch(match)}:\n${this.output}`,
            )
          : undefined,
    );
  }

  /** Resolves with the first output line whose text matches `pattern` (from the start of the output). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.arrivals.until(
      () =>
        this.lines.map((line) => line.match(pattern)).find((match) => match !== null) ?? undefined,
      timeoutMs,
      () => `no line matching ${pattern} within ${timeoutMs} ms:\n${this.output}`,
      () =>
        this.exitInfo
          ? new Error(
              `controller exited (${JSON.stringify(this.exitInfo)}) before printing ${pattern}:\n${this.output}`,
            )
          : undefined,
    );
  }

  /** Where the proxy and the admin listener ended up (both may be on ephemeral ports). */
  async addresses(
    timeoutMs = 20_000,
  ): Promise<{ proxy: { host: string; port: number }; admin: { host: string; port: number } }> {
    const proxy = await this.waitForLine(/proxy listening on ([\d.]+):(\d+)/, timeoutMs);
    const admin = await this.waitForLine(/admin listener on http:\/\/([\d.]+):(\d+)/, timeoutMs);
    return {
      proxy: { host: proxy[1], port: Number(proxy[2]) },
      admin: { host: admin[1], port: Number(admin[2]) },
    };
  }

  /**
   * Closes the test's end of the controller's stdout pipe, as `main.js | head -1` or a killed
   * `tee` does: the controller's next write to stdout fails with EPIPE. stderr is still read.
   */
  closeStdoutReader(): void {
    this.child.stdout?.destroy();
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exitInfo) this.child.kill(signal);
  }

  async stop(timeoutMs = 20_000): Promise<ControllerExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      if (this.configFile)
        fs.rmSync(path.dirname(this.configFile), { recursive: true, force: true });
    }
  }
}

/**
 * Tests choose what their instances run (`provider.local.bundlePath`): unless a test names an image
 * store, it gets an empty one of its own, so images a developer baked into the workspace's
 * `.osa/images` never change what a test runs.
 */
export function withOwnImageStore(
  config: Record<string, unknown>,
  dir: string,
): Record<string, unknown> {
  const isMapping = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const provider = config.provider ?? {};
  const local = isMapping(provider) ? (provider.local ?? {}) : undefined;
  // Configs that are deliberately malformed here are left exactly as the test wrote them.
  if (!isMapping(provider) || !isMapping(local) || local.imagesDir !== undefined) return config;
  return {
    ...config,
    provider: { ...provider, local: { ...local, imagesDir: path.join(dir, 'no-golden-images') } },
  };
}

function describeMatch(match: FieldMatch): string {
  return Object.entries(match)
    .map(
      ([name, value]) =>
        `${name}=${value instanceof RegExp ? String(value) : JSON.stringify(value)}`,
    )
    .join(' ');
}
