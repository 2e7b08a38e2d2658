// Entry point of the /work service: read the environment, listen, stop cleanly on SIGTERM/SIGINT.
// Bundled by esbuild into one file (dist/apps/service/main.js) that runs on Node >= 10.
import * as os from 'os';
import { readServiceConfig, ServiceConfig, ServiceConfigError } from './service-config';
import { createWorkServer, WorkServer } from './work-server';

// Exit codes: 0 stopped by a signal, 1 could not listen, 2 invalid environment.
const EXIT_LISTEN_FAILED = 1;
const EXIT_INVALID_CONFIG = 2;

function loadConfigOrExit(): ServiceConfig {
  try {
    return readServiceConfig(process.env);
  } catch (error) {
    if (error instanceof ServiceConfigError) {
      console.error(`service: ${error.message}`);
      process.exit(EXIT_INVALID_CONFIG);
    }
    throw error;
  }
}

function stopOnSignals(server: WorkServer, config: ServiceConfig): void {
  let stopRequested = false;
  let forcedBySignal = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      // A second signal (e.g. Ctrl-C twice) does not wait for the grace period.
      console.log(`service: ${signal} again, cutting off ${server.inFlight} request(s) now`);
      forcedBySignal = true;
      server.forceClose();
      return;
    }
    stopRequested = true;
    const inFlight = server.inFlight;
    // close() stops accepting synchronously, so once this line is out, new connections are refused.
    const stopped = server.close(config.shutdownGraceMs);
    console.log(
      `service: ${signal} received, stopping: no new connections, waiting up to ` +
        `${config.shutdownGraceMs} ms (SHUTDOWN_GRACE_MS) for ${inFlight} in-flight request(s)`,
    );
    stopped.then((summary) => {
      const outcome = summary.forced
        ? `${forcedBySignal ? 'second signal' : 'grace period over'}, ${summary.cutOff} request(s) cut off`
        : `${summary.inFlightAtClose} in-flight request(s) finished`;
      console.log(
        `service: stopped after ${summary.elapsedMs} ms (${outcome}, ${server.workCount} /work served)`,
      );
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function main(): void {
  const config = loadConfigOrExit();
  const hostname = os.hostname();
  const server = createWorkServer({ workDelayMs: config.workDelayMs, hostname });
  stopOnSignals(server, config);
  server.listen(config.port, config.host).then(
    (address) => {
      console.log(
        `service: listening on ${address.display} as ${hostname} ` +
          `(pid ${process.pid}, node ${process.version}, WORK_DELAY_MS=${config.workDelayMs})`,
      );
    },
    (error: NodeJS.ErrnoException) => {
      console.error(
        `service: cannot listen on HOST=${config.host} PORT=${config.port}: ${error.code || 'error'} ${error.message}`,
      );
      process.exit(EXIT_LISTEN_FAILED);
    },
  );
}

main();
