/**
 * Programs a VM has that the host must not provide as-is: `systemctl` (the runner owns the units),
 * `curl` (the VM's localhost is the server's own address, not the host's 127.0.0.1, where Keystone
 * listens) and `journalctl` (reads the runner's journal files). Each is a tiny shell wrapper on the
 * PATH of runcmd that re-enters this same bundle with `stand-in <name>`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { callControlSocket } from './control-socket';
import { hostPathInDisk } from './disk-path';

export const STAND_INS = ['systemctl', 'curl', 'journalctl'] as const;
export type StandInName = (typeof STAND_INS)[number];

/** Environment a stand-in reads (set by the runner for runcmd). */
export const STAND_IN_ENV = {
  socket: 'OSA_WORKLOAD_SOCKET',
  journalDir: 'OSA_WORKLOAD_JOURNAL',
  ip: 'DEVCLOUD_IP',
  disk: 'DEVCLOUD_DISK',
} as const;

export function installStandIns(binDir: string, nodePath: string, runnerScript: string): void {
  fs.mkdirSync(binDir, { recursive: true });
  for (const name of STAND_INS) {
    const wrapper = `#!/bin/sh\n# devcloud workload runner: the VM's ${name}\nexec ${shQuote(nodePath)} ${shQuote(runnerScript)} stand-in ${name} "$@"\n`;
    fs.writeFileSync(path.join(binDir, name), wrapper, { mode: 0o755 });
  }
}

function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function runStandIn(name: string, args: string[]): Promise<number> {
  switch (name) {
    case 'systemctl':
      return systemctl(args);
    case 'curl':
      return curl(args);
    case 'journalctl':
      return journalctl(args);
    default:
      process.stderr.write(
        `unknown stand-in ${JSON.stringify(name)} (known: ${STAND_INS.join(', ')})\n`,
      );
      return 2;
  }
}

function required(variable: string): string {
  const value = process.env[variable];
  if (!value)
    throw new Error(`${variable} is not set: run this only inside the devcloud workload runner`);
  return value;
}

async function systemctl(args: string[]): Promise<number> {
  const result = await callControlSocket(required(STAND_IN_ENV.socket), args, 60_000);
  // Like systemctl: the state queries print their answer on stdout whatever the exit code.
  const answersOnStdout = ['is-active', 'is-enabled', 'status'].includes(
    args.find((a) => !a.startsWith('-')) ?? '',
  );
  if (result.output)
    (result.code === 0 || answersOnStdout ? process.stdout : process.stderr).write(
      `${result.output}\n`,
    );
  return result.code;
}

async function journalctl(args: string[]): Promise<number> {
  let unit: string | undefined;
  let lines = 10;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-u' || args[i] === '--unit') unit = args[++i];
    else if (args[i].startsWith('--unit=')) unit = args[i].slice(7);
    else if (args[i] === '-n' || args[i] === '--lines') lines = Number(args[++i]);
  }
  if (!unit) {
    process.stderr.write(
      'journalctl (devcloud workload runner): only `-u UNIT [-n N]` is supported\n',
    );
    return 1;
  }
  const name = unit.includes('.') ? unit : `${unit}.service`;
  const file = path.join(required(STAND_IN_ENV.journalDir), `${name}.log`);
  if (!fs.existsSync(file)) {
    process.stdout.write('-- No entries --\n');
    return 0;
  }
  const all = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  process.stdout.write(`${all.slice(-Math.max(1, lines)).join('\n')}\n`);
  return 0;
}

/** The VM's loopback names: inside the VM they reach the VM itself, i.e. the server's address. */
const VM_LOOPBACK = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]']);

async function curl(args: string[]): Promise<number> {
  let fail = false;
  let silent = false;
  let showError = false;
  let maxTimeMs = 0;
  let output: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--fail') fail = true;
    else if (a === '--silent') silent = true;
    else if (a === '--show-error') showError = true;
    else if (a === '--max-time' || a === '-m') maxTimeMs = Number(args[++i]) * 1000;
    else if (a === '--output' || a === '-o') output = args[++i];
    else if (/^-[fsSL]+$/.test(a)) {
      fail ||= a.includes('f');
      silent ||= a.includes('s');
      showError ||= a.includes('S');
    } else if (a.startsWith('-')) {
      process.stderr.write(
        `curl (devcloud workload runner): option ${a} is not supported (supported: -f -s -S -L -m/--max-time -o/--output)\n`,
      );
      return 2;
    } else url = a;
  }
  if (!url) {
    process.stderr.write('curl: no URL specified\n');
    return 2;
  }
  const target = new URL(url);
  if (VM_LOOPBACK.has(target.hostname)) target.hostname = required(STAND_IN_ENV.ip);
  const report = (code: number, message: string): number => {
    if (!silent || showError) process.stderr.write(`curl: (${code}) ${message}\n`);
    return code;
  };
  return new Promise<number>((resolve) => {
    const req = http.get(target, { timeout: maxTimeMs || undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (fail && status >= 400) {
          resolve(report(22, `The requested URL returned error: ${status}`));
          return;
        }
        const body = Buffer.concat(chunks);
        if (output === undefined || output === '-') process.stdout.write(body);
        else if (output !== '/dev/null')
          fs.writeFileSync(hostPathInDisk(required(STAND_IN_ENV.disk), output), body);
        resolve(0);
      });
    });
    req.on('timeout', () =>
      req.destroy(
        Object.assign(new Error(`Operation timed out after ${maxTimeMs} milliseconds`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ETIMEDOUT') resolve(report(28, error.message));
      else resolve(report(7, `Failed to connect to ${target.host}: ${error.message}`));
    });
  });
}
