import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError as OpenStackConfigError } from '@osa/openstack-client';
import { installOpenApiDocument } from './admin/v1/openapi-document';
import { AppModule } from './app.module';
import { formatVersion, readBuildInfo } from './build-info';
import { ConfigError, CONFIG_ERROR_EXIT_CODE } from './config/config-error';
import { loadControllerConfig, LoadedControllerConfig } from './config/config-loader';
import { processConfigInputs } from './config/process-config-inputs';
import { guardLogStreams } from './log-pipe-guard';
import { createControllerLogger, nestLoggerOn } from './logging/controller-logger';
import { resolveControllerCloudConfig } from './providers/openstack/openstack-client.provider';
import { ScalingService } from './scaling/scaling.service';

/** Shutdown must finish within this, or the process exits anyway (children are killed on exit). */
const SHUTDOWN_DEADLINE_MS = 60_000;
/** Signals closer together than this are one request to stop (a group signal and its forwarded copy). */
const REPEATED_SIGNAL_MIN_GAP_MS = 1_000;

/** Loads and validates the configuration; answers --help, --version and --check-config itself. */
function loadConfigOrExit(): LoadedControllerConfig {
  try {
    const request = loadControllerConfig(processConfigInputs());
    if (request.kind === 'help') {
      process.stdout.write(request.text);
      process.exit(0);
    }
    if (request.kind === 'version') {
      process.stdout.write(`${formatVersion(readBuildInfo())}\n`);
      process.exit(0);
    }
    const { provider } = request.loaded.config;
    if (provider.kind === 'openstack')
      resolveControllerCloudConfig(provider.openstack, request.loaded.cloudEnvironment);
    if (request.kind === 'check') {
      for (const warning of request.loaded.warnings)
        process.stderr.write(`controller: warning: ${warning}\n`);
      const { file, envOverrides } = request.loaded.origin;
      process.stdout.write(
        `controller: configuration is valid (${file ?? 'built-in defaults'}${envOverrides.length ? ` + ${envOverrides.join(', ')}` : ''}; provider ${provider.kind})\n`,
      );
      process.exit(0);
    }
    return request.loaded;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`controller: ${error.message}\n`);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    // The OpenStack client's ConfigError names the clouds.yaml key or OS_* variable at fault.
    if (error instanceof OpenStackConfigError) {
      process.stderr.write(
        `controller: invalid OpenStack credentials configuration: ${error.message}\n`,
      );
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  guardLogStreams();
  const loaded = loadConfigOrExit();
  const logger = createControllerLogger(loaded.config.log);
  startupLogger = logger;
  const { config, origin } = loaded;
  for (const warning of loaded.warnings) logger.warn({ context: 'Config' }, warning);
  // abortOnError false: a failing provider must reach our catch below and exit with a message,
  // not abort() with a core dump. bufferLogs: what Nest logs before useLogger goes to pino too.
  const app = await NestFactory.create(AppModule.forRoot(loaded), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(nestLoggerOn(logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  let firstSignalAtMs: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      const nowMs = performance.now();
      if (firstSignalAtMs === undefined) {
        firstSignalAtMs = nowMs;
        // From the first signal on nothing may start (issue 12 §3): the instances may be getting the
        // same signal right now (a signal to the whole process group) and must not be "healed".
        app.get(ScalingService, { strict: false }).stop(`${signal} received`);
        setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
        return;
      }
      // Nest runs the orderly shutdown on the first signal; a deadline bounds it. A second signal
      // a person sends (Ctrl-C twice) exits at once; one that arrives with the first (the group's
      // signal plus a supervisor such as `nx serve` forwarding it) is the same request, not a second.
      if (nowMs - firstSignalAtMs < REPEATED_SIGNAL_MIN_GAP_MS) return;
      process.stderr.write(`controller: ${signal} again, exiting now\n`);
      process.exit(1);
    });
  }
  installOpenApiDocument(app);
  await app.listen(config.admin.listenPort, config.admin.listenHost);
  const boot = new Logger('Controller');
  const adminUrl = await app.getUrl();
  boot.log({
    msg: `admin listener on ${adminUrl} (/healthz, /v1/status, /ui)`,
    adminUrl,
    provider: config.provider.kind,
    thresholdRequests: config.scaling.thresholdRequests,
    maxInstances: config.scaling.maxInstances,
    configFile: origin.file ?? null,
    envOverrides: origin.envOverrides,
  });
}

/** Set once the config is loaded: a start-up failure after that is logged like everything else. */
let startupLogger: ReturnType<typeof createControllerLogger> | undefined;

bootstrap().catch((error: unknown) => {
  if (startupLogger)
    startupLogger.fatal({ context: 'Controller', err: error }, 'controller failed to start');
  else
    process.stderr.write(
      `controller failed to start: ${(error as Error)?.stack ?? String(error)}\n`,
    );
  process.exit(1);
});
