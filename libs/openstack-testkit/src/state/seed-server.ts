// Seeding a server record directly (no HTTP), for tests that start with servers already there.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FakeCloudState, FakeCredentials, FakeServer } from '../fake-openstack.types';
import { hex, timestamps } from '../http/wire';
import type { CloudLifecycle } from './cloud-lifecycle';

export function seedServerRecord(
  state: FakeCloudState,
  lifecycle: CloudLifecycle,
  credentials: FakeCredentials,
  fields: Partial<FakeServer> & { name: string },
): FakeServer {
  const now = Date.now();
  const image =
    [...state.images.values()].find((i) => i.name === 'ubuntu') ?? [...state.images.values()][0];
  const flavor =
    [...state.flavors.values()].find((f) => f.name === 'm1.small') ??
    [...state.flavors.values()][0];
  const network = [...state.networks.values()].find((n) => !n.external);
  const server: FakeServer = {
    id: randomUUID(),
    status: 'ACTIVE',
    vmState: 'active',
    taskState: null,
    powerState: 1,
    imageId: image?.id ?? '',
    flavorId: flavor?.id ?? '',
    keyName: null,
    securityGroups: ['default'],
    networkIds: network ? [network.id] : [],
    metadata: {},
    tags: [],
    userData: null,
    availabilityZone: 'nova',
    adminPass: randomBytes(9).toString('base64url').slice(0, 12),
    addresses: {},
    fault: null,
    consoleOutput: '',
    created: timestamps.seconds(now),
    updated: timestamps.seconds(now),
    launchedAt: timestamps.novaMicro(now),
    hostId: hex(56),
    tenantId: credentials.projectId,
    userId: credentials.userId,
    createdAtMs: now,
    activeAtMs: now,
    pollCount: 0,
    ...fields,
  };
  if (fields.status !== undefined && fields.vmState === undefined)
    lifecycle.setStatus(server, fields.status, now);
  if (server.status === 'BUILD') {
    server.activeAtMs = null;
    server.launchedAt = null;
  }
  state.servers.set(server.id, server);
  lifecycle.advanceServer(server, now);
  return server;
}
