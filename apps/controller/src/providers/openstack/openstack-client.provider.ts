import { Logger, Provider } from '@nestjs/common';
import { ClientEvent, CloudConfig, OpenStackClient, resolveCloudConfig } from '@osa/openstack-client';
import { CLOUD_ENVIRONMENT, CloudEnvironment } from '../../config/config.module';
import { OpenStackProviderConfig, ProviderConfig } from '../../config/provider.config';
import { ScalingConfig } from '../../config/scaling.config';
import { OpenStackCallFeed } from '../openstack-call-feed';

export const OPENSTACK_CLIENT = Symbol('OPENSTACK_CLIENT');

/**
 * Where the credentials come from, exactly like the `openstack` CLI: `provider.openstack.cloud`
 * (a clouds.yaml entry), else OS_CLOUD, else the openrc OS_* variables, read from the
 * environment the config module captured. Throws the client's ConfigError naming the variable
 * or clouds.yaml key at fault; main.ts calls it before Nest starts so that is a clean exit 2.
 */
export function resolveControllerCloudConfig(config: OpenStackProviderConfig, environment: CloudEnvironment): CloudConfig {
  return resolveCloudConfig({
    env: environment.env,
    cloudName: config.cloud,
    files: { read: (filePath) => environment.readTextFile(filePath) },
    cwd: environment.cwd,
    homeDir: environment.homeDir,
  });
}

/**
 * The OpenStack client; credentials never pass through our config classes or logs. Null on the
 * local provider (nothing is resolved: a laptop without clouds.yaml must start).
 */
export const openStackClientProvider: Provider = {
  provide: OPENSTACK_CLIENT,
  inject: [ProviderConfig, OpenStackProviderConfig, ScalingConfig, CLOUD_ENVIRONMENT, OpenStackCallFeed],
  useFactory: (provider: ProviderConfig, config: OpenStackProviderConfig, scaling: ScalingConfig, environment: CloudEnvironment, apiCalls: OpenStackCallFeed): OpenStackClient | null => {
    if (provider.kind !== 'openstack') return null;
    const logger = new Logger('OpenStack');
    const cloudConfig = resolveControllerCloudConfig(config, environment);
    logger.log(`credentials from ${cloudConfig.source}; region ${cloudConfig.regionName ?? '(any)'}`);
    return OpenStackClient.fromConfig(cloudConfig, {
      timeoutMs: scaling.providerCallTimeoutMs,
      logger: (event: ClientEvent) => {
        logClientEvent(logger, event);
        apiCalls.publish(event); // /metrics: OpenStack API calls by service, method and status
      },
    });
  },
};

function logClientEvent(logger: Logger, event: ClientEvent): void {
  switch (event.type) {
    case 'request':
      logger.debug(`${event.method} ${event.url} -> ${event.status} in ${event.durationMs} ms${event.requestId ? ` (${event.requestId})` : ''}`);
      break;
    case 'request-failed':
      logger.warn(`${event.method} ${event.url} failed after ${event.durationMs} ms (attempt ${event.attempt}): ${event.error}`);
      break;
    case 'retry':
      logger.warn(`${event.method} ${event.url}: retry ${event.attempt} in ${event.delayMs} ms (${event.reason})`);
      break;
    case 'auth':
      logger.log(`Keystone: ${event.action}${event.expiresAt ? `, token valid until ${event.expiresAt}` : ''}`);
      break;
    case 'warning':
      logger.warn(event.message);
      break;
    case 'microversion':
      logger.log(`${event.service} microversion ${event.negotiated} (server ${event.serverMin}..${event.serverMax}, asked ${event.requested})`);
      break;
  }
}
