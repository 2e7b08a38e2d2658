// Time- and poll-driven transitions, evaluated lazily whenever a resource is read: servers
// BUILD -> ACTIVE | ERROR, addresses appearing, stop/start, deferred deletes, and Nova snapshots
// moving their Glance image queued -> saving -> active. Lazy evaluation keeps the fake free of
// background timers, so a stopped fake leaves nothing running.
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  FakeCloudState,
  FakeCredentials,
  FakeImage,
  FakePort,
  FakeServer,
  FakeServerAddress,
  FakeSubnet,
  ImageBehaviour,
} from '../fake-openstack.types';
import { hex, timestamps } from '../http/wire';
import type { ServerBehaviourRegistry } from './server-behaviour-registry';
import { setImageData } from './cloud-state';

interface PendingPower {
  target: 'SHUTOFF' | 'ACTIVE';
  dueMs: number;
}

interface PendingSnapshot {
  serverId: string;
  startedAtMs: number;
}

const DEFAULT_SNAPSHOT_DELAY_MS = 300;

export class CloudLifecycle {
  imageBehaviour: ImageBehaviour = {};
  private readonly pendingPower = new Map<string, PendingPower>();
  private readonly pendingDeletes = new Map<string, number>();
  private readonly snapshots = new Map<string, PendingSnapshot>();

  constructor(
    private readonly state: FakeCloudState,
    private readonly behaviours: ServerBehaviourRegistry,
    private readonly credentials: FakeCredentials,
  ) {}

  // ---- servers -------------------------------------------------------------------------------

  /** Bring one server up to date; returns false when it is gone. */
  advanceServer(server: FakeServer, now = Date.now()): boolean {
    const deleteDue = this.pendingDeletes.get(server.id);
    if (deleteDue !== undefined && now >= deleteDue) {
      this.removeServer(server.id);
      return false;
    }
    const behaviour = this.behaviours.resolve(server.name);
    if (server.status === 'BUILD') {
      const bootDue = now - server.createdAtMs >= (behaviour.bootDelayMs ?? 0);
      const pollsDone = server.pollCount >= (behaviour.pollsUntilActive ?? 0);
      if (bootDue && pollsDone) {
        if (behaviour.failWith) {
          this.setStatus(server, 'ERROR', now);
          server.fault = {
            code: behaviour.failWith.code ?? 500,
            message: behaviour.failWith.message,
            details: behaviour.failWith.details,
            created: timestamps.seconds(now),
          };
        } else {
          this.setStatus(server, 'ACTIVE', now);
          server.launchedAt = timestamps.novaMicro(now);
          server.activeAtMs = now;
        }
      } else if (
        now - server.createdAtMs >= (behaviour.bootDelayMs ?? 0) / 2 ||
        server.pollCount > 0
      ) {
        server.taskState = 'spawning';
      }
    }
    const power = this.pendingPower.get(server.id);
    if (power && now >= power.dueMs) {
      this.pendingPower.delete(server.id);
      this.setStatus(server, power.target, now);
    }
    if (server.activeAtMs !== null && Object.keys(server.addresses).length === 0) {
      const delay = behaviour.addressDelayMs ?? 0;
      if (now - server.activeAtMs >= delay)
        this.assignAddresses(server, behaviour.address, behaviour.addresses);
    }
    for (const [imageId, snapshot] of [...this.snapshots]) {
      if (snapshot.serverId !== server.id) continue;
      const image = this.state.images.get(imageId);
      if (image) {
        this.advanceImage(image, now);
      } else {
        // The image was deleted mid-snapshot: Nova's compute manager logs "Image not found during
        // snapshot" and resets the task_state (nova/compute/manager.py snapshot_instance).
        this.snapshots.delete(imageId);
        if (server.taskState?.startsWith('image_')) server.taskState = null;
      }
    }
    return true;
  }

  advanceAllServers(now = Date.now()): void {
    for (const server of [...this.state.servers.values()]) this.advanceServer(server, now);
  }

  setStatus(server: FakeServer, status: FakeServer['status'], now = Date.now()): void {
    server.status = status;
    server.updated = timestamps.seconds(now);
    switch (status) {
      case 'ACTIVE':
        Object.assign(server, { vmState: 'active', taskState: null, powerState: 1 });
        break;
      case 'SHUTOFF':
        Object.assign(server, { vmState: 'stopped', taskState: null, powerState: 4 });
        break;
      case 'ERROR':
        Object.assign(server, { vmState: 'error', taskState: null, powerState: 0 });
        break;
      case 'BUILD':
        Object.assign(server, { vmState: 'building', taskState: 'scheduling', powerState: 0 });
        break;
      default:
        break;
    }
  }

  requestPower(server: FakeServer, target: 'SHUTOFF' | 'ACTIVE'): void {
    const delay = this.behaviours.resolve(server.name).actionDelayMs ?? 0;
    server.taskState = target === 'SHUTOFF' ? 'powering-off' : 'powering-on';
    server.updated = timestamps.seconds();
    if (delay <= 0) this.setStatus(server, target);
    else this.pendingPower.set(server.id, { target, dueMs: Date.now() + delay });
  }

  requestDelete(server: FakeServer): void {
    const delay = this.behaviours.resolve(server.name).deleteDelayMs ?? 0;
    if (delay <= 0) {
      this.removeServer(server.id);
      return;
    }
    server.taskState = 'deleting';
    server.updated = timestamps.seconds();
    this.pendingDeletes.set(server.id, Date.now() + delay);
  }

  isDeleting(serverId: string): boolean {
    return this.pendingDeletes.has(serverId);
  }

  /** Text for os-getConsoleOutput: what setConsoleOutput set, else the behaviour's. */
  consoleOutput(server: FakeServer): string {
    if (server.consoleOutput) return server.consoleOutput;
    const configured = this.behaviours.resolve(server.name).consoleOutput;
    return typeof configured === 'function' ? configured(server) : (configured ?? '');
  }

  /** Fixed addresses plus floating IPs associated with the server's ports. */
  addressesOf(server: FakeServer): Record<string, FakeServerAddress[]> {
    const out: Record<string, FakeServerAddress[]> = {};
    for (const [network, list] of Object.entries(server.addresses))
      out[network] = list.map((a) => ({ ...a }));
    for (const fip of this.state.floatingIps.values()) {
      const port = fip.portId ? this.state.ports.get(fip.portId) : undefined;
      if (!port || port.deviceId !== server.id) continue;
      const network = this.state.networks.get(port.networkId)?.name ?? port.networkId;
      (out[network] ??= []).push({
        addr: fip.floatingIpAddress,
        version: 4,
        type: 'floating',
        macAddr: port.macAddress,
      });
    }
    return out;
  }

  private removeServer(serverId: string): void {
    this.state.servers.delete(serverId);
    this.pendingDeletes.delete(serverId);
    this.pendingPower.delete(serverId);
    for (const port of [...this.state.ports.values()]) {
      if (port.deviceId !== serverId) continue;
      this.state.ports.delete(port.id);
      for (const fip of this.state.floatingIps.values()) {
        if (fip.portId === port.id)
          Object.assign(fip, { portId: null, fixedIpAddress: null, status: 'DOWN' });
      }
    }
  }

  private assignAddresses(
    server: FakeServer,
    fixed: ((server: FakeServer) => string | undefined) | undefined,
    full: ((server: FakeServer) => Record<string, FakeServerAddress[]>) | undefined,
  ): void {
    if (full) {
      server.addresses = full(server);
      return;
    }
    server.networkIds.forEach((networkId, index) => {
      const network = this.state.networks.get(networkId);
      if (!network) return;
      const subnet = network.subnetIds
        .map((id) => this.state.subnets.get(id))
        .find((s) => s?.ipVersion === 4);
      const wanted = index === 0 ? fixed?.(server) : undefined;
      const existing = [...this.state.ports.values()].find(
        (p) => p.deviceId === server.id && p.networkId === networkId,
      );
      const ip =
        existing?.fixedIps[0]?.ipAddress ??
        wanted ??
        (subnet ? this.allocateIp(subnet) : undefined);
      if (!ip) return;
      const port = existing ?? this.createPort(network.id, subnet, ip, server);
      (server.addresses[network.name] ??= []).push({
        addr: ip,
        version: 4,
        type: 'fixed',
        macAddr: port.macAddress,
      });
    });
  }

  createPort(
    networkId: string,
    subnet: FakeSubnet | undefined,
    ip: string | undefined,
    server?: FakeServer,
  ): FakePort {
    const now = timestamps.seconds();
    const port: FakePort = {
      id: randomUUID(),
      name: '',
      networkId,
      projectId: this.credentials.projectId,
      macAddress: macAddress(),
      fixedIps: subnet && ip ? [{ subnetId: subnet.id, ipAddress: ip }] : [],
      deviceId: server?.id ?? '',
      deviceOwner: server ? 'compute:nova' : '',
      status: server ? 'ACTIVE' : 'DOWN',
      securityGroupIds: server
        ? [...this.state.securityGroups.values()]
            .filter((g) => server.securityGroups.includes(g.name))
            .map((g) => g.id)
        : [],
      adminStateUp: true,
      createdAt: now,
      updatedAt: now,
      revisionNumber: 1,
    };
    this.state.ports.set(port.id, port);
    return port;
  }

  /** Next free IPv4 in the subnet's allocation pools (skipping ports' and floating IPs' addresses). */
  allocateIp(subnet: FakeSubnet): string | undefined {
    const used = new Set<string>();
    for (const port of this.state.ports.values())
      for (const f of port.fixedIps) used.add(f.ipAddress);
    for (const fip of this.state.floatingIps.values()) used.add(fip.floatingIpAddress);
    for (const pool of subnet.allocationPools) {
      for (let n = ipToNumber(pool.start); n <= ipToNumber(pool.end); n += 1) {
        const ip = numberToIp(n);
        if (!used.has(ip)) return ip;
      }
    }
    return undefined;
  }

  // ---- images ----------------------------------------------------------------------------------

  startSnapshot(image: FakeImage, server: FakeServer): void {
    this.snapshots.set(image.id, { serverId: server.id, startedAtMs: Date.now() });
    server.taskState = 'image_snapshot_pending';
  }

  /** Bring an image up to date; returns false when it is gone. */
  advanceImage(image: FakeImage, now = Date.now()): boolean {
    const snapshot = this.snapshots.get(image.id);
    if (!snapshot) return true;
    const delay = this.imageBehaviour.snapshotDelayMs ?? DEFAULT_SNAPSHOT_DELAY_MS;
    const elapsed = now - snapshot.startedAtMs;
    const server = this.state.servers.get(snapshot.serverId);
    if (elapsed < delay / 3) {
      return true;
    }
    if (elapsed < delay) {
      if (image.status === 'queued') {
        image.status = 'saving';
        image.updatedAt = timestamps.seconds(now);
      }
      if (server && server.taskState?.startsWith('image_')) server.taskState = 'image_uploading';
      return true;
    }
    this.snapshots.delete(image.id);
    if (server && server.taskState?.startsWith('image_')) server.taskState = null;
    const outcome = this.imageBehaviour.snapshotOutcome ?? 'active';
    image.updatedAt = timestamps.seconds(now);
    if (outcome === 'deleted') {
      this.state.images.delete(image.id);
      return false;
    }
    if (outcome === 'killed') {
      image.status = 'killed';
      return true;
    }
    setImageData(
      image,
      Buffer.concat([Buffer.from(`snapshot of ${snapshot.serverId}\n`), randomBytes(64)]),
    );
    image.virtualSize = image.size;
    image.status = 'active';
    return true;
  }

  advanceAllImages(now = Date.now()): void {
    for (const image of [...this.state.images.values()]) this.advanceImage(image, now);
  }
}

export function macAddress(): string {
  // fa:16:3e is the OUI Neutron uses for the MACs it generates.
  return `fa:16:3e:${hex(6).match(/../g)?.join(':')}`;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
