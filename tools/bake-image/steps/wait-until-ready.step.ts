/**
 * Step 3: the base VM is ACTIVE (ERROR fails at once with Nova's fault), then the service in it is
 * ready, judged one of two ways:
 *
 *   console  the ready marker `OSA-BAKE-READY:<bake id>` appears in the console log (Nova
 *            os-getConsoleOutput); the failed marker ends the wait at once with the VM's reason
 *   health   GET http://<server address>:<service port><health path> answers 2xx; for clouds that
 *            store user data but do not run it (the devcloud), where the image is prepared already
 *
 * Both polls are bounded by --ready-timeout, print progress, and stop on Ctrl-C.
 */
import {
  extractAddress,
  ServerFaultError,
  WaitAbortedError,
  WaitTimeoutError,
  type Server,
} from '@osa/openstack-client';
import { formatDuration } from '../bake-options';
import { BakeFailure, cloudFailure, messageOf, requestIdOf } from '../bake-errors';
import { BakeContext, BaseVmMetadata, sleep } from '../bake-context';
import { readConsoleVerdict } from '../cloud-init-user-data';
import { probeHealth } from '../health-probe';
import type { BaseVm } from './boot-base-vm.step';

export interface Readiness {
  server: Server;
  /** How readiness was established, for the summary. */
  evidence: string;
  /** The server's address on the bake network (health mode, or when the server reports one). */
  address?: string;
}

const CONSOLE_TAIL_LINES = 200;

export async function waitUntilReady(ctx: BakeContext, vm: BaseVm): Promise<Readiness> {
  if (!vm.createdByThisRun) {
    const resource = `server ${vm.name} (${vm.id})`;
    const current = await ctx.client.compute.servers
      .get(vm.id, { signal: ctx.signal })
      .catch((err: unknown) => {
        throw cloudFailure(resource, 'reading it', err, ctx.requests, 'compute');
      });
    if (current.status === 'SHUTOFF') {
      if (ctx.options.readiness === 'console' && vm.readyAt) {
        // Left SHUTOFF by an earlier bake (--no-restart-base): it can be snapshotted as it is.
        return {
          server: current,
          evidence: `ready marker seen at ${vm.readyAt} by an earlier bake (same bundle); the VM is SHUTOFF`,
        };
      }
      ctx.progress.line('ready', `${vm.name} is SHUTOFF: starting it to check it`);
      await ctx.client.compute.servers
        .start(vm.id, { signal: ctx.signal })
        .catch((err: unknown) => {
          throw cloudFailure(resource, 'starting it (os-start)', err, ctx.requests, 'compute');
        });
    }
  }
  const server = await waitForServerStatus(ctx, vm, 'ACTIVE', ctx.options.bootTimeoutMs, 'ready');
  const address = safeAddress(ctx, server);

  if (ctx.options.readiness === 'health') {
    const evidence = await waitForHealth(ctx, vm, 'ready');
    await recordReady(ctx, vm);
    return { server, evidence, address };
  }
  if (!vm.createdByThisRun && vm.readyAt) {
    // cloud-init's runcmd runs once per instance: a reused VM will not print the marker again.
    return {
      server,
      evidence: `ready marker seen at ${vm.readyAt} by an earlier bake (same bundle)`,
      address,
    };
  }
  const evidence = await waitForConsoleMarker(ctx, vm);
  await recordReady(ctx, vm);
  return { server, evidence, address };
}

/** Polls a server to `target` (failing at once on ERROR) with a progress ticker. */
export async function waitForServerStatus(
  ctx: BakeContext,
  vm: Pick<BaseVm, 'id' | 'name'>,
  target: 'ACTIVE' | 'SHUTOFF',
  timeoutMs: number,
  step: string,
): Promise<Server> {
  const ticker = ctx.progress.wait(
    step,
    `server ${vm.name} (${vm.id}) to become ${target}`,
    timeoutMs,
  );
  try {
    return await ctx.client.compute.servers.waitForStatus(vm.id, {
      target,
      failOn: ['ERROR'],
      timeoutMs,
      intervalMs: Math.min(1_000, ctx.options.readyPollIntervalMs),
      maxIntervalMs: 5_000,
      signal: ctx.signal,
      onProgress: (p) =>
        ticker.update(`${p.status}${p.current?.taskState ? ` (${p.current.taskState})` : ''}`),
    });
  } catch (err) {
    throw serverWaitFailure(ctx, vm, target, err);
  } finally {
    ticker.stop();
  }
}

function serverWaitFailure(
  ctx: BakeContext,
  vm: Pick<BaseVm, 'id' | 'name'>,
  target: string,
  err: unknown,
): Error {
  const resource = `server ${vm.name} (${vm.id})`;
  if (err instanceof WaitAbortedError) return err;
  if (err instanceof ServerFaultError) {
    return new BakeFailure(
      resource,
      `went to ERROR: ${err.faultMessage ?? 'Nova reported no fault message'}`,
      ctx.requests.last('compute'),
      undefined,
      { cause: err },
    );
  }
  if (err instanceof WaitTimeoutError) {
    return new BakeFailure(
      resource,
      `not ${target} after ${formatDuration(err.timeoutMs)} (last status ${err.lastStatus ?? 'unknown'})`,
      ctx.requests.last('compute'),
      'Raise the matching --*-timeout if the cloud is just slow.',
      { cause: err },
    );
  }
  return cloudFailure(resource, `waiting for ${target}`, err, ctx.requests, 'compute');
}

function safeAddress(ctx: BakeContext, server: Server): string | undefined {
  try {
    return extractAddress(server, { networkName: ctx.options.networkName, ipVersion: 4 });
  } catch {
    return undefined;
  }
}

async function waitForConsoleMarker(ctx: BakeContext, vm: BaseVm): Promise<string> {
  const { options } = ctx;
  const resource = `server ${vm.name} (${vm.id})`;
  const marker = `OSA-BAKE-READY:${vm.bakeId}`;
  const ticker = ctx.progress.wait(
    'ready',
    `ready marker ${marker} on the console of ${vm.name}`,
    options.readyTimeoutMs,
  );
  const started = Date.now();
  let lastLine = '';
  try {
    for (let poll = 1; ; poll++) {
      let text: string;
      try {
        text = await ctx.client.compute.servers.consoleOutput(vm.id, {
          length: CONSOLE_TAIL_LINES,
          signal: ctx.signal,
        });
      } catch (err) {
        throw cloudFailure(resource, 'reading its console output', err, ctx.requests, 'compute');
      }
      const verdict = readConsoleVerdict(text, vm.bakeId);
      if (verdict.kind === 'ready') return `console: ${verdict.line}`;
      if (verdict.kind === 'failed') {
        throw new BakeFailure(
          resource,
          `the VM reported that the service did not become healthy: ${verdict.reason}`,
          ctx.requests.last('compute'),
          `Console tail:\n${tail(text, 15)}`,
        );
      }
      const lines = text.split(/\r?\n/).filter((l) => l.trim());
      lastLine = lines.length ? lines[lines.length - 1].trim().slice(0, 120) : '';
      ticker.update(
        `no marker yet (${lines.length} console lines${lastLine ? `, last: ${lastLine}` : ''})`,
      );
      // The VM could die while we read its console: ERROR or a vanished server ends the wait.
      if (poll % 3 === 0) await assertStillActive(ctx, vm);
      if (Date.now() - started >= options.readyTimeoutMs) {
        throw new BakeFailure(
          resource,
          `no ready marker on the console after ${formatDuration(options.readyTimeoutMs)}`,
          ctx.requests.last('compute'),
          `Raise --ready-timeout if apt is slow; use --readiness=health on clouds that do not run user data. Console tail:\n${tail(text, 15)}`,
        );
      }
      await sleep(options.readyPollIntervalMs, ctx.signal).catch(() => {
        throw new WaitAbortedError('server', vm.id, 'ready (console marker)', 'ACTIVE');
      });
    }
  } finally {
    ticker.stop();
  }
}

/** Polls the service's health URL on the server's address until it answers 2xx (bounded by --ready-timeout). */
export async function waitForHealth(
  ctx: BakeContext,
  vm: Pick<BaseVm, 'id' | 'name'>,
  step: string,
): Promise<string> {
  const { options } = ctx;
  const resource = `server ${vm.name} (${vm.id})`;
  const started = Date.now();
  const ticker = ctx.progress.wait(
    step,
    `health of ${vm.name} on network ${options.networkName}`,
    options.readyTimeoutMs,
  );
  try {
    for (let poll = 1; ; poll++) {
      let server: Server;
      try {
        server = await ctx.client.compute.servers.get(vm.id, { signal: ctx.signal });
      } catch (err) {
        throw cloudFailure(resource, 'reading it', err, ctx.requests, 'compute');
      }
      if (server.status === 'ERROR') {
        throw new BakeFailure(
          resource,
          `went to ERROR: ${server.fault?.message ?? 'no fault message'}`,
          ctx.requests.last('compute'),
        );
      }
      let status = 'checking';
      let address: string | undefined;
      try {
        address = extractAddress(server, { networkName: options.networkName, ipVersion: 4 });
      } catch (err) {
        // ACTIVE without an address yet happens (Neutron port binding lags): keep polling.
        status = `no IPv4 address on ${options.networkName} yet (${messageOf(err)})`;
      }
      if (address) {
        const url = `http://${address}:${options.servicePort}${options.healthPath}`;
        const result = await probeHealth(url, 5_000);
        if (result.ok) return `health: ${url} answered ${result.detail} after ${poll} poll(s)`;
        status = `${url}: ${result.detail}`;
      }
      ticker.update(status);
      if (Date.now() - started >= options.readyTimeoutMs) {
        throw new BakeFailure(
          resource,
          `not healthy after ${formatDuration(options.readyTimeoutMs)}: ${status}`,
          ctx.requests.last('compute'),
          'Check the service port (--service-port), the security group and the VM console.',
        );
      }
      await sleep(options.readyPollIntervalMs, ctx.signal).catch(() => {
        throw new WaitAbortedError('server', vm.id, 'healthy', server.status);
      });
    }
  } finally {
    ticker.stop();
  }
}

async function assertStillActive(ctx: BakeContext, vm: BaseVm): Promise<void> {
  const resource = `server ${vm.name} (${vm.id})`;
  const server = await ctx.client.compute.servers
    .find(vm.id, { signal: ctx.signal })
    .catch((err: unknown) => {
      throw cloudFailure(resource, 'reading it', err, ctx.requests, 'compute');
    });
  if (!server)
    throw new BakeFailure(
      resource,
      'disappeared while waiting for the ready marker',
      ctx.requests.last('compute'),
    );
  if (server.status === 'ERROR') {
    throw new BakeFailure(
      resource,
      `went to ERROR: ${server.fault?.message ?? 'no fault message'}`,
      ctx.requests.last('compute'),
    );
  }
}

/** Remembered on the server, so a re-run that reuses it knows it was seen ready. */
async function recordReady(ctx: BakeContext, vm: BaseVm): Promise<void> {
  try {
    await ctx.client.compute.servers.metadata.update(
      vm.id,
      { [BaseVmMetadata.readyAt]: new Date().toISOString() },
      { signal: ctx.signal },
    );
  } catch (err) {
    // Not fatal: only a later re-run in console mode needs it.
    ctx.progress.line(
      'ready',
      `could not record readiness in the server metadata: ${messageOf(err)} [${requestIdOf(err) ?? 'no request id'}]`,
    );
  }
}

function tail(text: string, lines: number): string {
  return text
    .split(/\r?\n/)
    .slice(-lines)
    .map((l) => `    | ${l}`)
    .join('\n');
}
