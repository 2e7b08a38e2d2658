/**
 * Step 6-8: the files reach the VM (the delivery), the VM's installer reports on the serial
 * console (`OSA-DEPLOY-READY:<deploy id>` or `OSA-DEPLOY-FAILED:<deploy id> <reason>`), then the
 * data path answers on http://<address>:<port>/ from here, the way clients will reach it. Each
 * wait is bounded and prints progress.
 */
import { BakeFailure, cloudFailure, messageOf } from '../../bake-image/bake-errors';
import { sleep } from '../../bake-image/bake-context';
import { readConsoleVerdict } from '../../bake-image/cloud-init-user-data';
import * as net from 'node:net';
import { FAILED_MARKER, READY_MARKER } from '../controller-vm-files';
import type { DeployContext } from '../deploy-context';
import type { DeliveryFiles, DeliveryTarget } from '../delivery/vm-delivery';

export async function deliverFiles(
  ctx: DeployContext,
  target: DeliveryTarget,
  files: DeliveryFiles,
): Promise<void> {
  const { delivery, options, progress } = ctx;
  progress.line('deliver', `${delivery.describe(target)} (up to ${options.installTimeoutMs} ms)`);
  try {
    await delivery.deliver(
      target,
      files,
      Date.now() + options.installTimeoutMs,
      ctx.signal,
      (line) => progress.line('deliver', line),
    );
  } catch (err) {
    throw new BakeFailure(
      `controller VM ${options.vmName} (${target.serverId})`,
      `delivering the release and credentials failed: ${messageOf(err)}`,
      null,
    );
  }
}

export async function waitForInstalled(ctx: DeployContext, serverId: string): Promise<string> {
  const { client, options, progress, requests } = ctx;
  const started = Date.now();
  const ticker = progress.wait(
    'install',
    `console of ${options.vmName}: ${READY_MARKER}:${ctx.deployId}`,
    options.installTimeoutMs,
  );
  try {
    for (;;) {
      const text = await client.compute.servers
        .consoleOutput(serverId, { length: 400, signal: ctx.signal })
        .catch((err: unknown) => {
          throw cloudFailure(
            `server ${options.vmName} (${serverId})`,
            'reading its console',
            err,
            requests,
            'compute',
          );
        });
      const verdict = readConsoleVerdict(text, ctx.deployId, {
        ready: READY_MARKER,
        failed: FAILED_MARKER,
      });
      if (verdict.kind === 'ready') return verdict.line;
      if (verdict.kind === 'failed')
        throw new BakeFailure(
          `controller VM ${options.vmName} (${serverId})`,
          `the installer failed: ${verdict.reason}`,
          requests.last('compute'),
          'See `openstack console log show` for the whole story.',
        );
      const last = text
        .split('\n')
        .filter((l) => l.includes('osa-deploy:'))
        .pop();
      ticker.update(last ? last.trim() : 'no marker yet');
      if (Date.now() - started > options.installTimeoutMs)
        throw new BakeFailure(
          `controller VM ${options.vmName} (${serverId})`,
          `no ${READY_MARKER} on its console within ${options.installTimeoutMs} ms`,
          requests.last('compute'),
          'Raise --install-timeout, or read the console: openstack console log show ' + serverId,
        );
      await sleep(options.pollIntervalMs, ctx.signal);
    }
  } finally {
    ticker.stop();
  }
}

/**
 * The data path accepts connections on <address>:<port>, seen from here as a client sees it. A
 * connection only, never a request: a request would be proxied and count towards the scale-out
 * threshold (the seed's requests 1-9 must be the user's own).
 */
export async function waitForServing(
  ctx: DeployContext,
  address: string,
  port: number,
): Promise<string> {
  const { options, progress } = ctx;
  const started = Date.now();
  const where = `${address}:${port}`;
  const ticker = progress.wait('serve', `${where} accepting connections`, options.serveTimeoutMs);
  try {
    for (;;) {
      const probe = await tcpConnect(address, port, 5_000);
      if (probe === 'open') return `${where} accepts connections`;
      ticker.update(probe);
      if (Date.now() - started > options.serveTimeoutMs)
        throw new BakeFailure(
          `controller on ${where}`,
          `not accepting connections within ${options.serveTimeoutMs} ms (last: ${probe})`,
          null,
          `Follow its log on the VM: sudo journalctl -u osa-controller -f`,
        );
      await sleep(options.pollIntervalMs, ctx.signal);
    }
  } finally {
    ticker.stop();
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`timeout after ${timeoutMs} ms`));
    socket.once('connect', () => done('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
