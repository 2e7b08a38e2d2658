/**
 * The user data the servers acceptance suite boots its server with, checked by the real
 * cloud-init (`cloud-init schema`, Debian's cloud-init package, installed by .ci/run): a cloud
 * that runs cloud-init must accept it as it is. Needs the built bundle (npx nx build service).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTools } from '@osa/openstack-testkit';
import { serviceUserData } from './devcloud-acceptance-support';

describeWithTools(
  [{ name: 'cloud-init', install: 'apt-get install -y cloud-init' }],
  'servers acceptance user data against the real cloud-init schema',
  () => {
    it('is a valid cloud-config that enables the service unit', () => {
      const text = serviceUserData(5001);
      expect(text).toMatch(/^#cloud-config\n/);
      expect(text).toContain('PORT=5001');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'servers-user-data-'));
      try {
        const file = path.join(dir, 'user-data.yaml');
        fs.writeFileSync(file, text);
        const result = spawnSync('cloud-init', ['schema', '--config-file', file], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(`${result.stdout}${result.stderr}`).toContain('Valid cloud-config');
        expect(result.status).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
