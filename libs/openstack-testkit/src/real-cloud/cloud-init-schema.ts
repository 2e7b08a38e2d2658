/**
 * `cloud-init schema --config-file` on a user-data text: the real cloud-init's verdict on a
 * #cloud-config we generate. Needs the `cloud-init` program (SYSTEM_TOOLS.cloudInit).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CloudInitSchemaVerdict {
  /** cloud-init's exit status: 0 for a valid document. */
  status: number | null;
  /** Its stdout and stderr together ("Valid cloud-config: ..." or the schema errors). */
  output: string;
}

export function cloudInitSchemaCheck(userData: string): CloudInitSchemaVerdict {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-init-schema-'));
  try {
    const file = path.join(dir, 'user-data.yaml');
    fs.writeFileSync(file, userData);
    const result = spawnSync('cloud-init', ['schema', '--config-file', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
