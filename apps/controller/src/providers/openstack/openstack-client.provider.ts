import { Logger, Provider } from '@nestjs/common';
import {
  ClientEvent,
  CloudConfig,
  OpenStackClient,
  resolveCloudConfig,
} from '@osa/openstack-client';
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
export function resolveControllerCloudConfig(
  config: OpenStackProviderConfig,
  environment: CloudEnvironment,
): CloudConfig {
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
  inject: [
    ProviderConfig,
    OpenStackProviderConfig,
    ScalingConfig,
    CLOUD_ENVIRONMENT,
    OpenStackCallFeed,
  ],
  useFactory: (
    provider: ProviderConfig,
    config: OpenStackProviderConfig,
    scaling: ScalingConfig,
    environment: CloudEnvironment,
    apiCalls: OpenStackCallFeed,
  ): OpenStackClient | null => {
    if (provider.kind !== 'openstack') return null;
    const logger = new Logger('OpenStack');
    const cloudConfig = resolveControllerCloudConfig(config, environment);
    logger.log(
      `credentials from ${cloudConfig.source}; region ${cloudConfig.regionName ?? '(any)'}`,
    );
    return OpenStackClient.fromConfig(cloudConfig, {
      timeoutMs: scaling.providerCallTimeoutMs,
      logger: (event: ClientEvent) => {
        logClientEvent(logger, event);
        apiCalls.publish(event); // /metrics: OpenStack API calls by service, method and status
      },
    });
  },
};

/** One record per client event; the values as fields (method, url, status, elapsedMs, openstackRequestId). */
function logClientEvent(logger: Logger, event: ClientEvent): void {
  switch (event.type) {
    case 'request':
      logger.debug({
        msg: 'OpenStack call',
        service: event.service,
        method: event.method,
        url: event.url,
        status: event.status,
        elapsedMs: event.durationMs,
        attempt: event.attempt,
        ...(event.requestId ? { openstackRequestId: event.requestId } : {}),
      });
      break;
    case 'request-failed':
      logger.warn({
        msg: 'OpenStack call failed',
        service: event.service,
        method: event.method,
        url: event.url,
        elapsedMs: event.durationMs,
        attempt: event.attempt,
        error: event.error,
      });
      break;
    case 'retry':
      logger.warn({
        msg: 'OpenStack call retried',
        service: event.service,
        method: event.method,
        url: event.url,
        attempt: event.attempt,
        delayMs: event.delayMs,
        reason: event.reason,
      });
      break;
    case 'auth':
      logger.log({
        msg: 'Keystone',
        action: event.action,
        ...(event.expiresAt ? { expiresAt: event.expiresAt } : {}),
        ...(event.durationMs !== undefined ? { elapsedMs: event.durationMs } : {}),
      });
      break;
    case 'warning':
      logger.warn({ msg: event.message, code: event.code });
      break;
    case 'microversion':
      logger.log({
        msg: 'microversion negotiated',
        service: event.service,
        negotiated: event.negotiated,
        serverMin: event.serverMin,
        serverMax: event.serverMax,
        requested: event.requested,
      });
      break;
  }
}
