/**
 * Every #cloud-config the project generates, checked by the real cloud-init (`cloud-init schema`,
 * Debian's cloud-init package, installed by .ci/run). A deliberately broken document proves the
 * check can fail. (Its script: `bash -n` in cloud-init-user-data.spec.ts, and run for real under
 * the devcloud workload runner in ../devcloud-workload/workload-runner.spec.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cloudInitSchemaCheck, describeWithTools, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { buildCloudInitUserData } from './cloud-init-user-data';

const workspaceRoot = path.resolve(__dirname, '../..');

const generated = () =>
  buildCloudInitUserData({
    bundle: fs.readFileSync(path.join(workspaceRoot, 'dist/apps/service/main.js')),
    unitText: fs.readFileSync(
      path.join(workspaceRoot, 'apps/service/deploy/service-app.service'),
      'utf8',
    ),
    bakeId: 'schema-check-1',
    servicePort: 5000,
    healthPath: '/healthz',
  });

describeWithTools(
  [SYSTEM_TOOLS.cloudInit],
  'generated cloud-config against the real cloud-init schema',
  () => {
    it('the bake user data is a valid cloud-config', () => {
      const verdict = cloudInitSchemaCheck(generated().text);
      expect(verdict.output).toContain('Valid cloud-config');
      expect(verdict.status).toBe(0);
    });

    it('a broken document is refused (the check can fail)', () => {
      const broken = generated().text.replace(/^runcmd:/m, 'runcmd: 5\nunused_runcmd:');
      const verdict = cloudInitSchemaCheck(broken);
      expect(verdict.status).not.toBe(0);
      expect(verdict.output).toMatch(/runcmd: 5 is not of type 'array'/);
    });
  },
);
