/**
 * Tests that need a program the machine may not have (haproxy, chromium, slowhttptest, the
 * `openstack` CLI, cloud-init, wrk, ...) run where it is installed and otherwise skip with ONE
 * line that says what is missing and how to enable it. Nothing fails for a missing tool; `.ci/run`
 * installs every tool, so CI always runs them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeOrSkip } from './describe-or-skip';

/** A system program a suite needs, and the one command that installs it on Debian/Ubuntu. */
export interface SystemTool {
  /** Executable name looked up on PATH (or an absolute path). */
  readonly name: string;
  /** How to get it, shown in the skip line, e.g. `apt-get install -y haproxy`. */
  readonly install: string;
}

/** Absolute path of `name` when it is an executable file on PATH (or is an absolute path), else undefined. */
export function findSystemTool(name: string): string | undefined {
  const candidates = path.isAbsolute(name)
    ? [name]
    : (process.env['PATH'] ?? '')
        .split(path.delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; next PATH entry
    }
  }
  return undefined;
}

/** The tools of `tools` that are missing, as one skip reason; undefined when all are present. */
export function missingToolsReason(tools: readonly SystemTool[]): string | undefined {
  const missing = tools.filter((tool) => findSystemTool(tool.name) === undefined);
  if (missing.length === 0) return undefined;
  return missing.map((tool) => `${tool.name} is not installed (${tool.install})`).join('; ');
}

/**
 * `describe` when every tool is installed, else `describe.skip` with the reason in the title and
 * one line on stderr (jest prints skipped titles only in verbose mode).
 */
export function describeWithTools(
  tools: readonly SystemTool[],
  title: string,
  body: () => void,
): void {
  describeOrSkip(title, body, missingToolsReason(tools), 'tests');
}

/** The tools `.ci/run` installs, named once so every suite says the same thing. */
export const SYSTEM_TOOLS = {
  slowhttptest: { name: 'slowhttptest', install: 'apt-get install -y slowhttptest' },
  haproxy: { name: 'haproxy', install: 'apt-get install -y haproxy' },
  chromium: { name: 'chromium', install: 'apt-get install -y chromium' },
  openstack: { name: 'openstack', install: 'apt-get install -y python3-openstackclient' },
  cloudInit: { name: 'cloud-init', install: 'apt-get install -y cloud-init' },
  openssl: { name: 'openssl', install: 'apt-get install -y openssl' },
  wrk: { name: 'wrk', install: 'apt-get install -y wrk' },
  sshd: { name: 'sshd', install: 'apt-get install -y openssh-server' },
  sftp: { name: 'sftp', install: 'apt-get install -y openssh-client' },
  sshKeygen: { name: 'ssh-keygen', install: 'apt-get install -y openssh-client' },
} as const satisfies Record<string, SystemTool>;
