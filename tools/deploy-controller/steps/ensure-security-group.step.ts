/**
 * Step 2: the VM's own security group, opening tcp/<port> from --client-cidr and nothing else
 * (plus the admin port, only when --admin-listen exposes it). Idempotent: an existing group of
 * that name made by this tool is reused, missing rules are added, a rule this tool did not make
 * is reported and left alone. A group of that name made by someone else is refused, not touched.
 */
import type { SecurityGroup } from '@osa/openstack-client';
import { BakeFailure, cloudFailure } from '../../bake-image/bake-errors';
import { MADE_BY, type DeployContext } from '../deploy-context';

export interface ControllerSecurityGroup {
  group: SecurityGroup;
  created: boolean;
  ports: { port: number; outcome: 'created' | 'present' }[];
}

export async function ensureSecurityGroup(ctx: DeployContext): Promise<ControllerSecurityGroup> {
  const { client, options, progress, requests } = ctx;
  const name = options.securityGroup;
  const resource = `security group ${name}`;
  const say = (line: string): void => progress.line('security-group', line);
  const existing = await client.network.securityGroups
    .list({ name, signal: ctx.signal })
    .toArray()
    .then((groups) => groups.filter((g) => g.name === name))
    .catch((err: unknown) => {
      throw cloudFailure(resource, 'listing security groups', err, requests, 'network');
    });
  if (existing.length > 1)
    throw new BakeFailure(
      resource,
      `${existing.length} groups have that name`,
      requests.last('network'),
      'Delete the extra ones, or pass --security-group=<another name>.',
    );
  let group = existing[0];
  let created = false;
  if (group && !group.description.includes(MADE_BY))
    throw new BakeFailure(
      resource,
      `exists but was not made by deploy-controller (description "${group.description}")`,
      requests.last('network'),
      'It is left alone: pass --security-group=<another name>.',
    );
  if (group) say(`${name} (${group.id}) exists`);
  else {
    const made = await ctx.cleanup
      .adopt(
        client.network.securityGroups.create(name, {
          description: `${MADE_BY}: controller VM ${options.vmName}`,
          signal: ctx.signal,
        }),
        (g) => ({
          resource: `security group ${name} (${g.id})`,
          undo: async () => {
            await client.network.securityGroups.delete(g.id);
            return 'removed';
          },
        }),
      )
      .catch((err: unknown) => {
        throw cloudFailure(resource, 'creating it', err, requests, 'network');
      });
    group = made.value;
    created = true;
    say(`created ${name} (${group.id})`);
  }
  const wanted = [options.proxyPort, ...(options.adminListen ? [options.adminPort] : [])];
  const ports: ControllerSecurityGroup['ports'] = [];
  for (const port of wanted) {
    const present = group.rules.some(
      (r) =>
        r.direction === 'ingress' &&
        r.protocol === 'tcp' &&
        r.portRangeMin === port &&
        r.portRangeMax === port &&
        r.remoteIpPrefix === options.clientCidr,
    );
    if (present) {
      ports.push({ port, outcome: 'present' });
      continue;
    }
    const result = await client.network.securityGroupRules
      .create({
        securityGroupId: group.id,
        direction: 'ingress',
        protocol: 'tcp',
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix: options.clientCidr,
        description: MADE_BY,
        signal: ctx.signal,
      })
      .catch((err: unknown) => {
        throw cloudFailure(
          `${resource}: rule tcp/${port}`,
          'creating it',
          err,
          requests,
          'network',
        );
      });
    ports.push({ port, outcome: result.alreadyExists ? 'present' : 'created' });
  }
  const extra = group.rules.filter(
    (r) =>
      r.direction === 'ingress' && !(r.protocol === 'tcp' && wanted.includes(r.portRangeMin ?? -1)),
  );
  say(
    `ingress ${ports.map((p) => `tcp/${p.port} from ${options.clientCidr} ${p.outcome}`).join(', ')}` +
      (extra.length
        ? `; WARNING: ${extra.length} other ingress rule(s) someone added are left as they are`
        : ''),
  );
  return { group, created, ports };
}
