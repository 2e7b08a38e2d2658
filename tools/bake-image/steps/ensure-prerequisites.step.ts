/**
 * Step 1, seed sections 4-6, idempotent. Read-only look-ups come first (base image, flavor), so a
 * typo fails before anything is created. Then, only where absent: network + subnet, the ingress
 * rules, the key pair (its private key written to --key-file with mode 600, never over a file).
 *
 * What this step creates is durable project setup that the controller also relies on, exactly as
 * in the seed; a failed or interrupted bake keeps it and says so, and the next run reuses it.
 * One exception: a network this run created is removed again if its subnet could not be made (a
 * network without a subnet cannot take a server), so a failure leaves no half of seed section 4.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AmbiguousNameError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  type Flavor,
  type Image,
  type Network,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
  cidrContains,
  parseCidr,
  type ParsedCidr,
} from '@osa/openstack-client';
import { BakeFailure, cloudFailure, messageOf, requestIdOf } from '../bake-errors';
import type { BakeContext } from '../bake-context';
import type { CleanupHandle } from '../cleanup-stack';

export interface Prerequisites {
  projectId?: string;
  baseImage: Image;
  flavor: Flavor;
  network: Network;
  subnet: { id: string; name: string; cidr: string };
  securityGroup: SecurityGroup;
  rules: { port: number; outcome: 'created' | 'present' }[];
  keypair: { name: string; created: boolean; keyFile?: string };
  /** What this step created (kept by design; listed in the summary and on failure). */
  created: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function ensurePrerequisites(ctx: BakeContext): Promise<Prerequisites> {
  const { options, progress } = ctx;
  const say = (message: string): void => progress.line('prerequisites', message);
  const created = ctx.createdPrerequisites;

  const token = await ctx.client.identity.token({ signal: ctx.signal }).catch((err: unknown) => {
    throw cloudFailure('Keystone authentication', 'getting a token', err, ctx.requests, 'identity');
  });
  const baseImage = await findBaseImage(ctx);
  say(`base image "${options.baseImage}": ${baseImage.id} (${baseImage.status})`);
  const flavor = await findFlavor(ctx);
  say(
    `flavor "${options.flavor}": ${flavor.id} (${flavor.vcpus} vCPU, ${flavor.ramMb} MB RAM, ${flavor.diskGb} GB disk)`,
  );

  const { network, subnet } = await ensureNetworkAndSubnet(ctx, created);
  const securityGroup = await findSecurityGroup(ctx);
  const rules = await ensureIngressRules(ctx, securityGroup, created);
  const keypair = await ensureKeypair(ctx, created);
  return {
    projectId: token.projectId,
    baseImage,
    flavor,
    network,
    subnet,
    securityGroup,
    rules,
    keypair,
    created,
  };
}

async function findBaseImage(ctx: BakeContext): Promise<Image> {
  const { baseImage } = ctx.options;
  const resource = `base image "${baseImage}"`;
  let image: Image | undefined;
  try {
    if (UUID.test(baseImage)) {
      image = await ctx.client.image.images.get(baseImage, { signal: ctx.signal });
    } else {
      image = await ctx.client.image.images.findByName(baseImage, { signal: ctx.signal });
    }
  } catch (err) {
    if (err instanceof NotFoundError) image = undefined;
    else if (err instanceof AmbiguousNameError) {
      throw new BakeFailure(
        resource,
        `several images have that name: ${err.ids.join(', ')}`,
        ctx.requests.last('image'),
        'Pass --base-image=<id>.',
        { cause: err },
      );
    } else throw cloudFailure(resource, 'looking it up', err, ctx.requests, 'image');
  }
  if (!image) {
    throw new BakeFailure(
      resource,
      'not found (no image with that name or id is visible to this project)',
      ctx.requests.last('image'),
      'List images with `openstack image list`, then pass --base-image=<name or id>.',
    );
  }
  if (image.status !== 'active') {
    throw new BakeFailure(
      `${resource} (${image.id})`,
      `is ${image.status}; only an active image can be booted`,
      ctx.requests.last('image'),
    );
  }
  return image;
}

async function findFlavor(ctx: BakeContext): Promise<Flavor> {
  const resource = `flavor "${ctx.options.flavor}"`;
  try {
    return await ctx.client.compute.flavors.find(ctx.options.flavor, { signal: ctx.signal });
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new BakeFailure(
        resource,
        'not found (no flavor with that name or id)',
        requestIdOf(err) ?? ctx.requests.last('compute'),
        'List flavors with `openstack flavor list`, then pass --flavor=<name or id>.',
        { cause: err },
      );
    }
    if (err instanceof AmbiguousNameError) {
      throw new BakeFailure(
        resource,
        `several flavors have that name: ${err.ids.join(', ')}`,
        ctx.requests.last('compute'),
        'Pass --flavor=<id>.',
        { cause: err },
      );
    }
    throw cloudFailure(resource, 'looking it up', err, ctx.requests, 'compute');
  }
}

/** Seed section 4: network `--network` with an IPv4 subnet, each created only when absent. */
async function ensureNetworkAndSubnet(
  ctx: BakeContext,
  created: string[],
): Promise<{ network: Network; subnet: Prerequisites['subnet'] }> {
  const found = await findNetwork(ctx);
  if (found) {
    const subnet = await ensureSubnet(ctx, found, created, undefined);
    return { network: found, subnet };
  }
  // Created here: until its subnet exists, a failure or Ctrl-C removes the network again.
  const { network, handle } = await createNetwork(ctx);
  const listedAt = created.length;
  const subnet = await ensureSubnet(ctx, network, created, handle);
  handle.release();
  created.splice(listedAt, 0, `network ${network.name} (${network.id})`);
  return { network, subnet };
}

/** The network by name or id; undefined when absent and ours to create. */
async function findNetwork(ctx: BakeContext): Promise<Network | undefined> {
  const { options, progress } = ctx;
  const resource = `network "${options.networkName}"`;
  try {
    const network = await ctx.client.network.networks.find(options.networkName, {
      signal: ctx.signal,
    });
    progress.line('prerequisites', `${resource}: exists (${network.id})`);
    return network;
  } catch (err) {
    if (err instanceof AmbiguousNameError) {
      throw new BakeFailure(
        resource,
        `several networks have that name: ${err.ids.join(', ')}`,
        ctx.requests.last('network'),
        'Pass --network=<id>.',
        { cause: err },
      );
    }
    if (!(err instanceof NotFoundError))
      throw cloudFailure(resource, 'looking it up', err, ctx.requests, 'network');
    if (!options.createNetwork || UUID.test(options.networkName)) {
      throw new BakeFailure(
        resource,
        'not found',
        requestIdOf(err) ?? ctx.requests.last('network'),
        options.createNetwork
          ? 'A network id cannot be created; pass an existing id, or a name to create.'
          : 'Create it (seed section 4: `openstack network create ...`) or drop --no-create-network.',
        { cause: err },
      );
    }
    return undefined;
  }
}

async function createNetwork(
  ctx: BakeContext,
): Promise<{ network: Network; handle: CleanupHandle }> {
  const { options, progress } = ctx;
  const resource = `network "${options.networkName}"`;
  progress.line('prerequisites', `${resource}: absent; creating it (seed 4)`);
  // Adopted so that Ctrl-C during the POST waits for Neutron's answer and removes what it made.
  const creating = ctx.client.network.networks
    .create({ name: options.networkName, description: 'tools/bake-image (seed section 4)' })
    .catch((err: unknown) =>
      Promise.reject(cloudFailure(resource, 'creating it', err, ctx.requests, 'network')),
    );
  const { value: network, handle } = await ctx.cleanup.adopt(creating, (net) => ({
    resource: `network ${net.name} (${net.id})`,
    undo: async () => {
      await ctx.client.network.networks.delete(net.id);
      return 'removed (its subnet was never made)';
    },
  }));
  // Interrupted while the POST was in flight: the cleanup has it; go no further.
  ctx.signal.throwIfAborted();
  progress.line('prerequisites', `${resource}: created (${network.id})`);
  return { network, handle };
}

async function ensureSubnet(
  ctx: BakeContext,
  network: Network,
  created: string[],
  /** Set when this run just created the network: the subnet then goes with it on failure. */
  newNetwork: CleanupHandle | undefined,
): Promise<Prerequisites['subnet']> {
  const { options, progress } = ctx;
  const resource = `subnet "${options.subnetName}" on network "${network.name}"`;
  let subnets: Subnet[] = [];
  if (!newNetwork) {
    try {
      subnets = await ctx.client.network.subnets
        .list({ networkId: network.id, signal: ctx.signal })
        .toArray();
    } catch (err) {
      throw cloudFailure(resource, 'listing the subnets', err, ctx.requests, 'network');
    }
  }
  const ipv4 = subnets.filter((s) => s.ipVersion === 4);
  const existing = ipv4.find((s) => s.name === options.subnetName) ?? ipv4[0];
  if (existing) {
    const note =
      existing.cidr === options.subnetCidr
        ? ''
        : ` (not --subnet-cidr=${options.subnetCidr}: the existing subnet is used as is)`;
    progress.line(
      'prerequisites',
      `subnet "${existing.name}" on "${network.name}": exists, ${existing.cidr}${note}`,
    );
    return { id: existing.id, name: existing.name, cidr: existing.cidr };
  }
  if (!options.createNetwork) {
    throw new BakeFailure(
      `network "${network.name}" (${network.id})`,
      'has no IPv4 subnet, so no server can boot on it',
      ctx.requests.last('network'),
      `Create one (seed section 4: openstack subnet create --network ${network.name} --subnet-range ${options.subnetCidr} --gateway ${options.subnetGateway} ${options.subnetName}) or drop --no-create-network.`,
    );
  }
  progress.line(
    'prerequisites',
    `${resource}: creating ${options.subnetCidr}, gateway ${options.subnetGateway}`,
  );
  const creating = ctx.client.network.subnets
    .create({
      networkId: network.id,
      name: options.subnetName,
      cidr: options.subnetCidr,
      ipVersion: 4,
      gatewayIp: options.subnetGateway,
      // Neutron refuses DHCP on a loopback subnet (400 "Loopback IP subnet is not supported if
      // enable_dhcp is True", seen on the devcloud, whose subnets must be in 127.0.0.0/8);
      // elsewhere Neutron's default (DHCP on) applies.
      enableDhcp: isLoopbackCidr(options.subnetCidr) ? false : undefined,
      description: 'tools/bake-image (seed section 4)',
    })
    .catch((err: unknown) =>
      Promise.reject(
        cloudFailure(
          resource,
          `creating it with ${options.subnetCidr}`,
          err,
          ctx.requests,
          'network',
          err instanceof BadRequestError
            ? `Neutron refused the subnet. Pass another range: --subnet-cidr=<CIDR> (and --subnet-gateway=<IP> if not its first address)${newNetwork ? `; the network this run created for it is removed again` : ''}.`
            : undefined,
        ),
      ),
    );
  const { value: subnet, handle } = await ctx.cleanup.adopt(creating, (sub) => ({
    resource: `subnet ${sub.name} ${sub.cidr} (${sub.id})`,
    // Interrupted right after the create: with a network of this run, both go; else it stays.
    undo: async () =>
      newNetwork
        ? (await ctx.client.network.subnets.delete(sub.id), 'removed')
        : 'kept (a prerequisite)',
  }));
  ctx.signal.throwIfAborted();
  handle.release();
  created.push(`subnet ${subnet.name} ${subnet.cidr} (${subnet.id})`);
  progress.line(
    'prerequisites',
    `${resource}: created ${subnet.cidr}, gateway ${subnet.gatewayIp ?? 'none'} (${subnet.id})`,
  );
  return { id: subnet.id, name: subnet.name, cidr: subnet.cidr };
}

const LOOPBACK: ParsedCidr = { version: 4, network: parseLoopback(), prefix: 8 };

function parseLoopback(): ParsedCidr['network'] {
  const parsed = parseCidr('127.0.0.0/8', 4);
  if (!('cidr' in parsed)) throw new Error(parsed.problem);
  return parsed.cidr.network;
}

function isLoopbackCidr(text: string): boolean {
  const parsed = parseCidr(text, 4);
  return 'cidr' in parsed && parsed.cidr.prefix >= 8 && cidrContains(LOOPBACK, parsed.cidr.network);
}

async function findSecurityGroup(ctx: BakeContext): Promise<SecurityGroup> {
  const name = ctx.options.securityGroup;
  const resource = `security group "${name}"`;
  try {
    if (name === 'default')
      return await ctx.client.network.securityGroups.findDefault(undefined, { signal: ctx.signal });
    const groups = await ctx.client.network.securityGroups
      .list({ name, signal: ctx.signal })
      .toArray();
    const exact = groups.filter((g) => g.name === name || g.id === name);
    if (exact.length === 1) return exact[0];
    throw new BakeFailure(
      resource,
      exact.length
        ? `several groups have that name: ${exact.map((g) => g.id).join(', ')}`
        : 'not found',
      ctx.requests.last('network'),
      'Create it, or pass --security-group=<existing name>.',
    );
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new BakeFailure(
        resource,
        'not found',
        requestIdOf(err) ?? ctx.requests.last('network'),
        undefined,
        { cause: err },
      );
    }
    throw cloudFailure(resource, 'looking it up', err, ctx.requests, 'network');
  }
}

/** Does an existing rule already let TCP `port` in from `remote` (seed section 5)? */
function ruleCovers(rule: SecurityGroupRule, port: number, remote: string): boolean {
  return (
    rule.direction === 'ingress' &&
    rule.ethertype === 'IPv4' &&
    (rule.protocol === undefined || rule.protocol === 'tcp' || rule.protocol === '6') &&
    (rule.portRangeMin === undefined || rule.portRangeMin <= port) &&
    (rule.portRangeMax === undefined || rule.portRangeMax >= port) &&
    rule.remoteGroupId === undefined &&
    (rule.remoteIpPrefix === undefined ||
      rule.remoteIpPrefix === remote ||
      rule.remoteIpPrefix === '0.0.0.0/0')
  );
}

async function ensureIngressRules(
  ctx: BakeContext,
  group: SecurityGroup,
  created: string[],
): Promise<Prerequisites['rules']> {
  const { options, progress } = ctx;
  const outcomes: Prerequisites['rules'] = [];
  for (const port of options.ingressPorts) {
    const resource = `security group "${group.name}" rule tcp/${port} from ${options.ingressRemoteIp}`;
    if (group.rules.some((r) => ruleCovers(r, port, options.ingressRemoteIp))) {
      outcomes.push({ port, outcome: 'present' });
      continue;
    }
    try {
      const result = await ctx.client.network.securityGroupRules.create({
        securityGroupId: group.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix: options.ingressRemoteIp,
        description: 'tools/bake-image (seed section 5)',
        // A rule made just before an interrupt is harmless: the next run finds it present.
        signal: ctx.signal,
      });
      if (result.alreadyExists) {
        outcomes.push({ port, outcome: 'present' });
      } else {
        outcomes.push({ port, outcome: 'created' });
        created.push(`${resource} (${result.rule.id})`);
      }
    } catch (err) {
      throw cloudFailure(resource, 'creating it', err, ctx.requests, 'network');
    }
  }
  const summary = outcomes.map((o) => `tcp/${o.port} ${o.outcome}`).join(', ');
  progress.line('prerequisites', `security group "${group.name}" (${group.id}): ${summary}`);
  return outcomes;
}

async function ensureKeypair(
  ctx: BakeContext,
  created: string[],
): Promise<Prerequisites['keypair']> {
  const { options, progress } = ctx;
  const resource = `key pair "${options.keyName}"`;
  try {
    await ctx.client.compute.keypairs.get(options.keyName, { signal: ctx.signal });
    const note = fs.existsSync(options.keyFile)
      ? ''
      : ` (its private key is not in ${options.keyFile}: use the copy you saved when it was created)`;
    progress.line('prerequisites', `${resource}: exists${note}`);
    return { name: options.keyName, created: false };
  } catch (err) {
    if (!(err instanceof NotFoundError))
      throw cloudFailure(resource, 'looking it up', err, ctx.requests, 'compute');
  }
  // Check before creating: Nova returns a generated private key exactly once.
  if (fs.existsSync(options.keyFile)) {
    throw new BakeFailure(
      `key file ${options.keyFile}`,
      `already exists, and ${resource} does not: refusing to overwrite the file with a new private key`,
      ctx.requests.last('compute'),
      'Move the file away, pass --key-file=<new path>, or import its public key as the key pair (`openstack keypair create --public-key ...`).',
    );
  }
  // Adopted by the cleanup stack only so that Ctrl-C waits for Nova's answer: the private key is
  // returned once, and it must reach the key file before the process exits.
  const creating = ctx.client.compute.keypairs.create(options.keyName).catch((err: unknown) => {
    if (err instanceof ConflictError) {
      return Promise.reject(
        new BakeFailure(
          resource,
          'was created by someone else meanwhile',
          requestIdOf(err),
          undefined,
          { cause: err },
        ),
      );
    }
    return Promise.reject(cloudFailure(resource, 'creating it', err, ctx.requests, 'compute'));
  });
  const { value: generated, handle } = await ctx.cleanup.adopt(creating, () => ({
    resource: `key pair ${options.keyName}`,
    undo: async () => `kept (a prerequisite; private key in ${options.keyFile})`,
  }));
  try {
    fs.mkdirSync(path.dirname(options.keyFile), { recursive: true });
    // 'wx': fail rather than overwrite if the file appeared meanwhile; mode 600 from the start.
    fs.writeFileSync(options.keyFile, generated.privateKey.reveal(), { flag: 'wx', mode: 0o600 });
    fs.chmodSync(options.keyFile, 0o600);
  } catch (err) {
    // The private key exists nowhere else: a key pair nobody can use must not stay behind.
    await ctx.client.compute.keypairs.delete(options.keyName).catch(() => undefined);
    handle.release();
    throw new BakeFailure(
      `key file ${options.keyFile}`,
      `could not be written (${messageOf(err)}); the new key pair was deleted again`,
      ctx.requests.last('compute'),
    );
  }
  handle.release();
  created.push(`key pair ${options.keyName} (private key in ${options.keyFile})`);
  progress.line(
    'prerequisites',
    `${resource}: created; private key written to ${options.keyFile} (mode 600)`,
  );
  return { name: options.keyName, created: true, keyFile: options.keyFile };
}
