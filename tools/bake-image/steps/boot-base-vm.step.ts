/**
 * Step 2, seed sections 7-9: the base VM, booted with the cloud-init user data that installs the
 * service, or reused when a server of that name already runs exactly this bundle (the idempotent
 * re-run). Its cleanup is registered the moment Nova returns the id.
 *
 * Reuse rules (the server is the user's first backend, so it is never replaced silently):
 *   no server of that name                     -> boot one
 *   ours (metadata) and same bundle sha-256    -> reuse
 *   ours with another bundle, or not ours      -> fail, unless --replace-base-vm (delete, boot)
 *   in ERROR                                   -> fail, unless --replace-base-vm
 * A server it did not make that looks like the original a controller serves from (the controller's `osa:group`
 * metadata, or something answers on its service port) gets a warning in the hint: deleting it
 * takes a serving instance away from the controller.
 */
import { extractAddress, type Server } from '@osa/openstack-client';
import { BakeFailure, cloudFailure, isQuotaExceeded, messageOf, requestIdOf } from '../bake-errors';
import { BASE_VM_ROLE, BakeContext, BaseVmMetadata } from '../bake-context';
import type { CleanupHandle } from '../cleanup-stack';
import { probeHealth } from '../health-probe';
import type { Prerequisites } from './ensure-prerequisites.step';

export interface BaseVm {
  id: string;
  name: string;
  createdByThisRun: boolean;
  /** Bake id whose ready marker this VM prints (from its metadata). */
  bakeId: string;
  /** When an earlier bake saw this VM ready (metadata `osa_ready_at`), for a reused VM. */
  readyAt?: string;
  /** Release on success: the VM stays as the first backend. Undefined for a reused VM. */
  cleanupHandle?: CleanupHandle;
}

const DELETE_TIMEOUT_MS = 5 * 60_000;
/** The serving check is one short GET: it only decides how loud the hint is. */
const SERVING_PROBE_TIMEOUT_MS = 3_000;
/** Metadata key the controller writes on the servers of its group (apps/controller instance-provider.ts). */
const CONTROLLER_GROUP_KEY = 'osa:group';

export async function bootBaseVm(ctx: BakeContext, prereq: Prerequisites): Promise<BaseVm> {
  const { options, progress } = ctx;
  const name = options.baseVmName;
  const existing = await findServersByName(ctx, name);
  if (existing.length > 1) {
    throw new BakeFailure(
      `server "${name}"`,
      `${existing.length} servers have that name: ${existing.map((s) => `${s.id} (${s.status})`).join(', ')}`,
      ctx.requests.last('compute'),
      'Delete the extra ones, or pass --base-vm-name=<another name>.',
    );
  }
  const current = existing[0];
  if (current) {
    const verdict = reuseVerdict(ctx, current);
    if (verdict.reuse) {
      progress.line(
        'base-vm',
        `server ${name} (${current.id}) exists, is ${current.status} and runs this bundle: reusing it`,
      );
      return {
        id: current.id,
        name,
        createdByThisRun: false,
        bakeId: current.metadata[BaseVmMetadata.bakeId] ?? '',
        readyAt: current.metadata[BaseVmMetadata.readyAt],
      };
    }
    const serving = verdict.notOurs ? await servingEvidence(ctx, current) : undefined;
    const warning = serving
      ? `WARNING: ${name} looks like the original instance a controller serves from (${serving}): ` +
        'deleting it with --replace-base-vm removes a serving instance. '
      : '';
    if (!options.replaceBaseVm) {
      throw new BakeFailure(
        `server ${name} (${current.id})`,
        `exists but ${verdict.reason}`,
        ctx.requests.last('compute'),
        serving
          ? `${warning}Prefer --base-vm-name=<another name>; pass --replace-base-vm only if nothing serves from it.`
          : 'Pass --replace-base-vm to delete it and boot a fresh one, or --base-vm-name=<another name>.',
      );
    }
    progress.line(
      'base-vm',
      `${warning}server ${name} (${current.id}) ${verdict.reason}: deleting it (--replace-base-vm)`,
    );
    await deleteServer(ctx, current.id, name, ctx.signal);
  }
  return createBaseVm(ctx, prereq);
}

/**
 * Why `server` looks like a controller's serving instance, or undefined: it carries the
 * controller's group metadata, or its service port answers HTTP (any status: something serves).
 */
async function servingEvidence(ctx: BakeContext, server: Server): Promise<string | undefined> {
  const group = server.metadata[CONTROLLER_GROUP_KEY];
  if (group !== undefined)
    return `it carries the controller's group metadata ${CONTROLLER_GROUP_KEY}=${group}`;
  if (server.status !== 'ACTIVE') return undefined;
  let address: string;
  try {
    address = extractAddress(server, { networkName: ctx.options.networkName, ipVersion: 4 });
  } catch {
    return undefined; // no address on the network: nothing can be served from it through there
  }
  const url = `http://${address}:${ctx.options.servicePort}${ctx.options.healthPath}`;
  const probe = await probeHealth(url, SERVING_PROBE_TIMEOUT_MS);
  return probe.detail.startsWith('HTTP ') ? `it answers on ${url} with ${probe.detail}` : undefined;
}

function reuseVerdict(
  ctx: BakeContext,
  server: Server,
): { reuse: true } | { reuse: false; reason: string; notOurs?: boolean } {
  const meta = server.metadata;
  if (meta[BaseVmMetadata.role] !== BASE_VM_ROLE || !meta[BaseVmMetadata.bakeId]) {
    return {
      reuse: false,
      notOurs: true,
      reason: 'was not booted by bake-image (no osa_role metadata), so what it runs is unknown',
    };
  }
  if (meta[BaseVmMetadata.bundleSha256] !== ctx.bundle.sha256) {
    return {
      reuse: false,
      reason: `runs another service bundle (sha256 ${meta[BaseVmMetadata.bundleSha256] ?? 'unknown'}, this bundle is ${ctx.bundle.sha256})`,
    };
  }
  if (server.status === 'ERROR') {
    return { reuse: false, reason: `is in ERROR (${server.fault?.message ?? 'no fault message'})` };
  }
  if (!['ACTIVE', 'SHUTOFF', 'BUILD'].includes(server.status)) {
    return {
      reuse: false,
      reason: `is ${server.status} (only ACTIVE, SHUTOFF or BUILD can be baked from)`,
    };
  }
  return { reuse: true };
}

async function findServersByName(ctx: BakeContext, name: string): Promise<Server[]> {
  try {
    const servers = await ctx.client.compute.servers
      .list({ exactName: name, signal: ctx.signal })
      .toArray();
    // Nova's name filter is a regex; the client anchors it, and this keeps it exact regardless.
    return servers.filter((s) => s.name === name && s.status !== 'DELETED');
  } catch (err) {
    throw cloudFailure(`server "${name}"`, 'listing servers by name', err, ctx.requests, 'compute');
  }
}

async function createBaseVm(ctx: BakeContext, prereq: Prerequisites): Promise<BaseVm> {
  const { options, progress, client } = ctx;
  const name = options.baseVmName;
  const sizes = ctx.userData.sizes;
  progress.line(
    'base-vm',
    `booting ${name} from ${prereq.baseImage.name ?? prereq.baseImage.id} (${prereq.flavor.name}, network ${prereq.network.name}, key ${options.keyName}), user data ${sizes.base64Bytes} of ${sizes.limitBytes} bytes`,
  );
  let created: { value: { id: string }; handle: CleanupHandle };
  try {
    created = await ctx.cleanup.adopt(
      client.compute.servers.create({
        name,
        imageId: prereq.baseImage.id,
        flavorId: prereq.flavor.id,
        networks: [{ uuid: prereq.network.id }],
        keyName: options.keyName,
        securityGroups: [prereq.securityGroup.name],
        userData: ctx.userData.text,
        metadata: {
          [BaseVmMetadata.role]: BASE_VM_ROLE,
          [BaseVmMetadata.bakeId]: ctx.bakeId,
          [BaseVmMetadata.bundleSha256]: ctx.bundle.sha256,
          [BaseVmMetadata.serviceVersion]: options.serviceVersion,
        },
      }),
      (ref) => ({
        resource: `server ${name} (${ref.id})`,
        undo: async () => {
          await deleteServer(ctx, ref.id, name);
          return 'removed';
        },
      }),
    );
  } catch (err) {
    if (isQuotaExceeded(err)) {
      throw new BakeFailure(
        `server ${name}`,
        `quota exceeded: ${messageOf(err)}`,
        requestIdOf(err) ?? ctx.requests.last('compute'),
        'Delete unused servers (openstack server list) or ask for a higher instances/cores/ram quota.',
        { cause: err },
      );
    }
    throw cloudFailure(`server ${name}`, 'creating it', err, ctx.requests, 'compute');
  }
  const id = created.value.id;
  progress.line('base-vm', `Nova accepted ${name}: ${id} (cleanup registered)`);
  return { id, name, createdByThisRun: true, bakeId: ctx.bakeId, cleanupHandle: created.handle };
}

/**
 * Deletes a server and waits until it is gone (bounded). `signal`: the run's when the bake itself
 * replaces a VM; none when the cleanup undoes one (the run's signal has fired by then, and the
 * cleanup stack bounds each undo).
 */
export async function deleteServer(
  ctx: BakeContext,
  id: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await ctx.client.compute.servers.delete(id, { signal });
    await ctx.client.compute.servers.waitForDeleted(id, {
      timeoutMs: DELETE_TIMEOUT_MS,
      intervalMs: Math.min(1_000, ctx.options.readyPollIntervalMs),
      signal,
    });
  } catch (err) {
    throw cloudFailure(`server ${name} (${id})`, 'deleting it', err, ctx.requests, 'compute');
  }
}
