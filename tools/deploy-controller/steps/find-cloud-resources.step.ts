/**
 * Step 1, read-only: who we are (token: user and project), and what the VM needs that must exist
 * already (base image, flavor, network, key pair). A typo fails here, before anything is created.
 */
import {
  AmbiguousNameError,
  NotFoundError,
  type Flavor,
  type Image,
  type Network,
} from '@osa/openstack-client';
import { BakeFailure, cloudFailure } from '../../bake-image/bake-errors';
import type { DeployContext } from '../deploy-context';

export interface CloudResources {
  userId: string;
  projectId: string;
  /** The token's roles on the project (what can be delegated). */
  roles: string[];
  baseImage: Image;
  flavor: Flavor;
  network: Network;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findCloudResources(ctx: DeployContext): Promise<CloudResources> {
  const { client, options, requests, progress } = ctx;
  const say = (line: string): void => progress.line('cloud', line);
  const token = await client.identity.token({ signal: ctx.signal }).catch((err: unknown) => {
    throw cloudFailure('Keystone authentication', 'getting a token', err, requests, 'identity');
  });
  if (!token.projectId)
    throw new BakeFailure(
      'Keystone token',
      'is not scoped to a project',
      requests.last('identity'),
      'Set OS_PROJECT_NAME (or project_name in clouds.yaml).',
    );
  say(
    `authenticated: user ${token.userName ?? token.userId}, project ${token.projectName ?? token.projectId}`,
  );

  const baseImage = await lookup(ctx, `base image "${options.baseImage}"`, 'image', () =>
    UUID.test(options.baseImage)
      ? client.image.images.get(options.baseImage, { signal: ctx.signal })
      : client.image.images.findByName(options.baseImage, { signal: ctx.signal }),
  );
  if (baseImage.status !== 'active')
    throw new BakeFailure(
      `base image "${options.baseImage}" (${baseImage.id})`,
      `is ${baseImage.status}; only an active image can be booted`,
      requests.last('image'),
    );
  const flavor = await lookup(ctx, `flavor "${options.flavor}"`, 'compute', () =>
    client.compute.flavors.find(options.flavor, { signal: ctx.signal }),
  );
  const network = await lookup(ctx, `network "${options.networkName}"`, 'network', () =>
    client.network.networks.find(options.networkName, { signal: ctx.signal }),
  );
  say(
    `base image ${baseImage.name ?? baseImage.id}, flavor ${flavor.name}, network ${network.name} (${network.id})`,
  );
  if (options.keyName) {
    await lookup(ctx, `key pair "${options.keyName}"`, 'compute', () =>
      client.compute.keypairs.get(options.keyName as string, { signal: ctx.signal }),
    );
    say(`key pair ${options.keyName} exists`);
  }
  return {
    userId: token.userId,
    projectId: token.projectId,
    roles: token.roles,
    baseImage,
    flavor,
    network,
  };
}

async function lookup<T>(
  ctx: DeployContext,
  resource: string,
  service: string,
  find: () => Promise<T | undefined>,
): Promise<T> {
  let found: T | undefined;
  try {
    found = await find();
  } catch (err) {
    if (err instanceof AmbiguousNameError)
      throw new BakeFailure(
        resource,
        `several match: ${err.ids.join(', ')}`,
        ctx.requests.last(service),
        'Pass its id instead.',
        { cause: err },
      );
    if (!(err instanceof NotFoundError))
      throw cloudFailure(resource, 'looking it up', err, ctx.requests, service);
  }
  if (found === undefined)
    throw new BakeFailure(
      resource,
      'not found (nothing of that name or id is visible to this project)',
      ctx.requests.last(service),
      'Check the name with the openstack CLI (image/flavor/network/keypair list).',
    );
  return found;
}
