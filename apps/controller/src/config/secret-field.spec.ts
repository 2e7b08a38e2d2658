import { Secret } from '@osa/openstack-client';
import { ControllerConfig } from './controller-config';
import { maskSecretFields } from './secret-field';

describe('maskSecretFields (what /v1/config and config printouts show)', () => {
  it('masks each value of provider.local.serviceEnv and keeps its names', () => {
    const config = new ControllerConfig();
    config.provider.local.serviceEnv = {
      WORK_DELAY_MS: '200',
      SERVICE_API_KEY: 'k3y-that-must-not-show',
    };
    const shown = maskSecretFields(config) as {
      provider: { local: { serviceEnv: Record<string, string> } };
    };
    expect(shown.provider.local.serviceEnv).toEqual({
      WORK_DELAY_MS: '***',
      SERVICE_API_KEY: '***',
    });
    expect(JSON.stringify(shown)).not.toContain('k3y-that-must-not-show');
  });

  it('still masks the admin bearer token and leaves plain fields alone', () => {
    const config = new ControllerConfig();
    config.admin.bearerToken = new Secret('a'.repeat(40));
    const shown = maskSecretFields(config) as {
      admin: { bearerToken: string };
      scaling: { thresholdRequests: number };
    };
    expect(shown.admin.bearerToken).toBe('***');
    expect(shown.scaling.thresholdRequests).toBe(config.scaling.thresholdRequests);
  });
});
