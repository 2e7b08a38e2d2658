/**
 * The user data the servers acceptance suite boots its server with, checked by the real
 * cloud-init (`cloud-init schema`, Debian's cloud-init package, installed by .ci/run): a cloud
 * that runs cloud-init must accept it as it is. Needs the built bundle (npx nx build service).
 */
import { cloudInitSchemaCheck, describeWithTools, SYSTEM_TOOLS } from '@osa/openstack-testkit';
import { serviceUserData } from './devcloud-acceptance-support';

describeWithTools(
  [SYSTEM_TOOLS.cloudInit],
  'servers acceptance user data against the real cloud-init schema',
  () => {
    it('is a valid cloud-config that enables the service unit', () => {
      const text = serviceUserData(5001);
      expect(text).toMatch(/^#cloud-config\n/);
      expect(text).toContain('PORT=5001');
      const verdict = cloudInitSchemaCheck(text);
      expect(verdict.output).toContain('Valid cloud-config');
      expect(verdict.status).toBe(0);
    });
  },
);
