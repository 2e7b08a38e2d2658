/**
 * Step 3 and 5: the controller VM (seed 11). A re-run looks for a server of that name first:
 *
 *   none                                                   -> boot one
 *   ours (osa_role) with this release, this configuration,
 *   its credential still in Keystone, ACTIVE               -> reuse, change nothing
 *   ours, but any of that differs                          -> replace it (and its credential)
 *   not ours                                               -> refuse; it is never touched
 */
import { extractAddress, type Server } from '@osa/openstack-client';
import {
  BakeFailure,
  cloudFailure,
  isQuotaExceeded,
  messageOf,
} from '../../bake-image/bake-errors';
import {
  CONTROLLER_VM_ROLE,
  ControllerVmMetadata as Meta,
  type DeployContext,
} from '../deploy-context';
import type { CloudResources } from './find-cloud-resources.step';

export type ExistingVerdict =
  | { kind: 'none' }
  | { kind: 'reuse'; server: Server; address: string; credentialId: string }
  | { kind: 'replace'; server: Server; reason: string };

export async function findExistingVm(
  ctx: DeployContext,
  releaseSha256: string,
  configSha256: string,
): Promise<ExistingVerdict> {
  const { client, options, requests } = ctx;
  const name = options.vmName;
  const servers = await client.compute.servers
    .list({ exactName: name, signal: ctx.signal })
    .toArray()
    .then((list) => list.filter((s) => s.name === name && s.status !== 'DELETED'))
    .catch((err: unknown) => {
      throw cloudFailure(`server "${name}"`, 'listing servers by name', err, requests, 'compute');
    });
  if (servers.length > 1)
    throw new BakeFailure(
      `server "${name}"`,
      `${servers.length} servers have that name: ${servers.map((s) => s.id).join(', ')}`,
      requests.last('compute'),
      'Pass --name=<another name>.',
    );
  const server = servers[0];
  if (!server) return { kind: 'none' };
  if (server.metadata[Meta.role] !== CONTROLLER_VM_ROLE)
    throw new BakeFailure(
      `server ${name} (${server.id})`,
      'exists but was not made by deploy-controller (no osa_role=controller-vm metadata)',
      requests.last('compute'),
      'It is left alone: pass --name=<another name>.',
    );
  const differs: string[] = [];
  if (server.metadata[Meta.releaseSha256] !== releaseSha256)
    differs.push(
      `release ${short(server.metadata[Meta.releaseSha256])} -> ${short(releaseSha256)}`,
    );
  if (server.metadata[Meta.configSha256] !== configSha256)
    differs.push(
      `configuration ${short(server.metadata[Meta.configSha256])} -> ${short(configSha256)}`,
    );
  if (server.status !== 'ACTIVE') differs.push(`it is ${server.status}`);
  const credentialId = server.metadata[Meta.applicationCredentialId] ?? '';
  if (differs.length === 0) {
    const credential = await client.identity.applicationCredentials
      .get(credentialId, { signal: ctx.signal })
      .catch(() => undefined);
    if (!credential)
      differs.push(`its application credential ${credentialId || '(none recorded)'} is gone`);
  }
  if (differs.length) return { kind: 'replace', server, reason: differs.join('; ') };
  return {
    kind: 'reuse',
    server,
    address: extractAddress(server, { networkName: options.networkName, ipVersion: 4 }),
    credentialId,
  };
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : 'none';
}

/** Deletes a server and waits until it is gone, bounded by --delete-timeout. */
export async function deleteServerAndWait(
  ctx: DeployContext,
  server: Pick<Server, 'id' | 'name'>,
): Promise<void> {
  try {
    await ctx.client.compute.servers.delete(server.id, { signal: ctx.signal });
    await ctx.client.compute.servers.waitForDeleted(server.id, {
      timeoutMs: ctx.options.deleteTimeoutMs,
      intervalMs: 500,
      signal: ctx.signal,
    });
  } catch (err) {
    throw cloudFailure(
      `server ${server.name} (${server.id})`,
      'deleting it',
      err,
      ctx.requests,
      'compute',
    );
  }
}

/** Deletes our old VM and its credential (a replace), bounded. */
export async function removeControllerVm(ctx: DeployContext, server: Server): Promise<void> {
  const { client } = ctx;
  await deleteServerAndWait(ctx, server);
  const credentialId = server.metadata[Meta.applicationCredentialId];
  if (credentialId)
    await client.identity.applicationCredentials
      .delete(credentialId, { signal: ctx.signal })
      .catch(() => false);
}

export interface BootInput {
  resources: CloudResources;
  securityGroupName: string;
  userData: string;
  releaseSha256: string;
  configSha256: string;
  credentialId: string;
}

export async function bootControllerVm(
  ctx: DeployContext,
  input: BootInput,
): Promise<{ id: string }> {
  const { client, options, requests, progress } = ctx;
  const name = options.vmName;
  const groups = [
    input.securityGroupName,
    ...(options.delivery === 'ssh' ? [options.sshSecurityGroup] : []),
  ];
  try {
    const created = await ctx.cleanup.adopt(
      client.compute.servers.create({
        name,
        imageId: input.resources.baseImage.id,
        flavorId: input.resources.flavor.id,
        networks: [{ uuid: input.resources.network.id }],
        keyName: options.keyName,
        securityGroups: groups,
        userData: input.userData,
        metadata: {
          [Meta.role]: CONTROLLER_VM_ROLE,
          [Meta.deployId]: ctx.deployId,
          [Meta.releaseSha256]: input.releaseSha256,
          [Meta.configSha256]: input.configSha256,
          [Meta.applicationCredentialId]: input.credentialId,
        },
        signal: ctx.signal,
      }),
      (ref) => ({
        resource: `server ${name} (${ref.id})`,
        undo: async () => {
          await client.compute.servers.delete(ref.id);
          await client.compute.servers.waitForDeleted(ref.id, {
            timeoutMs: options.deleteTimeoutMs,
            intervalMs: 500,
          });
          return 'removed';
        },
      }),
    );
    progress.line(
      'vm',
      `Nova accepted ${name}: ${created.value.id} (security groups ${groups.join(', ')}; cleanup registered)`,
    );
    return { id: created.value.id };
  } catch (err) {
    if (isQuotaExceeded(err))
      throw new BakeFailure(
        `server ${name}`,
        `quota exceeded: ${messageOf(err)}`,
        requests.last('compute'),
        'Delete unused servers or ask for more quota.',
      );
    throw cloudFailure(`server ${name}`, 'creating it', err, requests, 'compute');
  }
}

/** ACTIVE (ERROR fails at once with Nova's fault), then its address on the network. */
export async function waitForActive(
  ctx: DeployContext,
  id: string,
): Promise<{ server: Server; address: string }> {
  const { client, options, progress, requests } = ctx;
  const ticker = progress.wait('vm', `${options.vmName} ACTIVE`, options.bootTimeoutMs);
  try {
    const server = await client.compute.servers.waitForStatus(id, {
      target: 'ACTIVE',
      timeoutMs: options.bootTimeoutMs,
      intervalMs: Math.min(1_000, options.pollIntervalMs),
      maxIntervalMs: options.pollIntervalMs,
      signal: ctx.signal,
      onProgress: (p) => ticker.update(p.status),
    });
    return {
      server,
      address: extractAddress(server, { networkName: options.networkName, ipVersion: 4 }),
    };
  } catch (err) {
    throw cloudFailure(
      `server ${options.vmName} (${id})`,
      `waiting for ACTIVE (up to ${options.bootTimeoutMs} ms)`,
      err,
      requests,
      'compute',
    );
  } finally {
    ticker.stop();
  }
}
