/**
 * `--destroy`: removes what deploy-controller made, and only that, each recognised by what the
 * tool wrote on it (VM metadata osa_role=controller-vm; "made by osa deploy-controller" in the
 * description of the security group and the credentials). Servers the controller created in its
 * group go only with --delete-scaled-servers; the original service VM and every image stay.
 */
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { cloudFailure } from '../bake-image/bake-errors';
import { deleteServerAndWait } from './steps/controller-vm.step';
import {
  applicationCredentialName,
  CONTROLLER_VM_ROLE,
  ControllerVmMetadata as Meta,
  MADE_BY,
  type DeployContext,
} from './deploy-context';

/** Metadata key the controller writes on the servers of its group (apps/controller instance-provider.ts). */
const CONTROLLER_GROUP_KEY = 'osa:group';

export async function runDestroy(ctx: DeployContext): Promise<string[]> {
  const { client, options, progress, requests } = ctx;
  const report: string[] = [];
  const note = (step: string, line: string): void => {
    progress.line(step, line);
    report.push(line);
  };
  const token = await client.identity.token({ signal: ctx.signal }).catch((err: unknown) => {
    throw cloudFailure('Keystone authentication', 'getting a token', err, requests, 'identity');
  });

  const vm = await progress.step('vm', `controller VM ${options.vmName}`, async () => {
    const servers = (
      await client.compute.servers.list({ exactName: options.vmName, signal: ctx.signal }).toArray()
    ).filter((s) => s.name === options.vmName);
    const ours = servers.filter((s) => s.metadata[Meta.role] === CONTROLLER_VM_ROLE);
    for (const other of servers.filter((s) => !ours.includes(s)))
      note(
        'vm',
        `left alone: server ${other.name} (${other.id}) was not made by deploy-controller`,
      );
    for (const server of ours) {
      await deleteServerAndWait(ctx, server);
      note('vm', `removed server ${server.name} (${server.id})`);
    }
    if (servers.length === 0) note('vm', `no server named ${options.vmName}`);
    return ours[0];
  });

  if (options.deleteScaledServers) {
    await progress.step('scaled', 'servers the controller created in its group', async () => {
      const { group, originalName } = controllerGroup(options.controllerConfigPath);
      const servers = await client.compute.servers
        .list({ metadata: { [CONTROLLER_GROUP_KEY]: group }, signal: ctx.signal })
        .toArray();
      for (const server of servers) {
        if (server.name === originalName || server.id === vm?.id) {
          note('scaled', `left alone: ${server.name} (${server.id}), the original`);
          continue;
        }
        await deleteServerAndWait(ctx, server);
        note('scaled', `removed server ${server.name} (${server.id}) of group ${group}`);
      }
      if (servers.length === 0)
        note('scaled', `no server carries ${CONTROLLER_GROUP_KEY}=${group}`);
    });
  }

  await progress.step('security-group', `security group ${options.securityGroup}`, async () => {
    const groups = (
      await client.network.securityGroups
        .list({ name: options.securityGroup, signal: ctx.signal })
        .toArray()
    ).filter((g) => g.name === options.securityGroup);
    for (const group of groups) {
      if (!group.description.includes(MADE_BY)) {
        note(
          'security-group',
          `left alone: security group ${group.name} (${group.id}) was not made by deploy-controller`,
        );
        continue;
      }
      await client.network.securityGroups
        .delete(group.id, { signal: ctx.signal })
        .catch((err: unknown) => {
          throw cloudFailure(
            `security group ${group.name} (${group.id})`,
            'deleting it',
            err,
            requests,
            'network',
            'A server still using it keeps it: delete that server first.',
          );
        });
      note('security-group', `removed security group ${group.name} (${group.id}) with its rules`);
    }
    if (groups.length === 0)
      note('security-group', `no security group named ${options.securityGroup}`);
  });

  await progress.step('credential', 'application credentials of the VM', async () => {
    const prefix = `${applicationCredentialName(options.vmName)}-`;
    const credentials = (
      await client.identity.applicationCredentials
        .list({ userId: token.userId, signal: ctx.signal })
        .toArray()
    ).filter((c) => c.name.startsWith(prefix) && (c.description ?? '').includes(MADE_BY));
    for (const credential of credentials) {
      await client.identity.applicationCredentials.delete(credential.id, { signal: ctx.signal });
      note('credential', `removed application credential ${credential.name} (${credential.id})`);
    }
    if (credentials.length === 0) note('credential', `no application credential named ${prefix}*`);
  });

  if (fs.existsSync(options.adminTokenFile)) {
    fs.rmSync(options.adminTokenFile, { force: true });
    note('credential', `removed admin token file ${options.adminTokenFile}`);
  }
  return report;
}

/** The group and the original's name from the controller.yaml (the controller's defaults without it). */
function controllerGroup(file: string): { group: string; originalName?: string } {
  const fallback = { group: 'service', originalName: 'service-vm-1' };
  if (!fs.existsSync(file)) return fallback;
  const doc = parse(fs.readFileSync(file, 'utf8')) as {
    provider?: { group?: unknown; originalName?: unknown };
  } | null;
  return {
    group: typeof doc?.provider?.group === 'string' ? doc.provider.group : fallback.group,
    originalName:
      typeof doc?.provider?.originalName === 'string'
        ? doc.provider.originalName
        : fallback.originalName,
  };
}
