/**
 * Every #cloud-config the project generates, checked by the real cloud-init (`cloud-init schema`,
 * Debian's cloud-init package, installed by .ci/run). A deliberately broken document proves the
 * check can fail. (Its script: `bash -n` in cloud-init-user-data.spec.ts, and run for real under
 * the devcloud workload runner in ../devcloud-workload/workload-runner.spec.ts.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTools } from '@osa/openstack-testkit';
import { buildCloudInitUserData } from './cloud-init-user-data';

const workspaceRoot = path.resolve(__dirname, '../..');
const bundlePath = path.join(workspaceRoot, 'dist/apps/service/main.js');
const unitPath = path.join(workspaceRoot, 'apps/service/deploy/service-app.service');

function schemaCheck(text: string): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-init-schema-'));
  try {
    const file = path.join(dir, 'user-data.yaml');
    fs.writeFileSync(file, text);
    const result = spawnSync('cloud-init', ['schema', '--config-file', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const generated = () =>
  buildCloudInitUserData({
    bundle: fs.readFileSync(bundlePath),
    unitText: fs.readFileSync(unitPath, 'utf8'),
    bakeId: 'schema-check-1',
    servicePort: 5000,
    healthPath: '/healthz',
  });

describeWithTools(
  [{ name: 'cloud-init', install: 'apt-get install -y cloud-init' }],
  'generated cloud-config against the real cloud-init schema',
  () => {
    it('the bake user data is a valid cloud-config', () => {
      const result = schemaCheck(generated().text);
      expect(result.output).toContain('Valid cloud-config');
      expect(result.status).toBe(0);
    });

    it('a broken document is refused (the check can fail)', () => {
      const broken = generated().text.replace(/^runcmd:/m, 'runcmd: 5\nunused_runcmd:');
      const result = schemaCheck(broken);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/runcmd: 5 is not of type 'array'/);
    });
  },
);
