// Time- and poll-driven transitions, evaluated lazily whenever a resource is read: servers
// BUILD -> ACTIVE | ERROR, addresses appearing, stop/start, deferred deletes, and Nova snapshots
// moving their Glance image queued -> saving -> active. Lazy evaluation keeps the fake free of
// background timers, so a stopped fake leaves nothing running.
import { ipToNumber, numberToIp } from '../network/ip-ranges';
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

/** Where a power action (os-stop, os-start, shelve, unshelve) ends. */
export type PowerTarget = 'SHUTOFF' | 'ACTIVE' | 'SHELVED_OFFLOADED';

/** The task_state Nova shows while each action runs (nova/compute/task_states.py). */
const POWER_TASK_STATES = {
  stop: 'powering-off',
  start: 'powering-on',
  shelve: 'shelving',
  unshelve: 'unshelving',
} as const;

export type PowerAction = keyof typeof POWER_TASK_STATES;

const POWER_TARGETS: Readonly<Record<PowerAction, PowerTarget>> = {
  stop: 'SHUTOFF',
  start: 'ACTIVE',
  shelve: 'SHELVED_OFFLOADED',
  unshelve: 'ACTIVE',
};

interface PendingPower {
  target: PowerTarget;
  dueMs: number;
}

/** A DELETE in progress: task_state `deleting` until `deletedAtMs`, status DELETED until `goneAtMs`. */
interface PendingDelete {
  deletedAtMs: number;
  goneAtMs: number;
}

interface PendingSnapshot {
  serverId: string;
  startedAtMs: number;
  /** Glance already says active; only the server's task_state is still Nova's snapshot's. */
  imageDone?: boolean;
}

const DEFAULT_SNAPSHOT_DELAY_MS = 300;
/**
 * Task states a real server passes through in BUILD, in order (Debian Zed devcloud, observed by
 * the acceptance suite: scheduling -> block_device_mapping -> spawning over 2.5-7 s;
 * captures/nova/21-server-get-build-2.79.txt shows the first). nova/compute/task_states.py.
 */
const BUILD_TASK_STATES = ['scheduling', 'block_device_mapping', 'spawning'] as const;
/** Destroyed servers remembered for `changes-since` lists (as Nova's soft-deleted rows are). */
const MAX_TOMBSTONES = 1000;

export class CloudLifecycle {
  imageBehaviour: ImageBehaviour = {};
  private readonly pendingPower = new Map<string, PendingPower>();
  private readonly pendingDeletes = new Map<string, PendingDelete>();
  private readonly snapshots = new Map<string, PendingSnapshot>();
  private readonly tombstones = new Map<string, FakeServer>();

  /**
   * `schedule` runs a callback after a delay (the fake clears pending ones on stop). Power actions
   * and deletes use it so that a test reading `cloud.state` directly, without any HTTP read, sees
   * them finish too; everything else is brought up to date lazily when read.
   */
  constructor(
    private readonly state: FakeCloudState,
    private readonly behaviours: ServerBehaviourRegistry,
    private readonly credentials: FakeCredentials,
    private readonly schedule: (delayMs: number, run: () => void) => void = () => undefined,
  ) {}

  // ---- servers -------------------------------------------------------------------------------

  /** Bring one server up to date; returns false when it is gone. */
  advanceServer(server: FakeServer, now = Date.now()): boolean {
    const deletion = this.pendingDeletes.get(server.id);
    if (deletion) return this.advanceDelete(server, deletion, now);
    const behaviour = this.behaviours.resolve(server.name);
    const t = this.behaviours.timing(behaviour);
    if (server.status === 'BUILD') {
      const timeDone = t.bootDelayMs > 0 ? (now - server.createdAtMs) / t.bootDelayMs : 1;
      const pollsDone = t.pollsUntilActive > 0 ? server.pollCount / t.pollsUntilActive : 1;
      if (timeDone >= 1 && pollsDone >= 1) {
        // A scheduling failure decided at create (NoValidHost) wins over the behaviour's.
        const failWith = server.scheduleFault ?? behaviour.failWith;
        if (failWith) {
          this.setStatus(server, 'ERROR', now);
          server.fault = {
            code: failWith.code ?? 500,
            message: failWith.message,
            details: failWith.details,
            created: timestamps.seconds(now),
          };
        } else {
          this.setStatus(server, 'ACTIVE', now);
          server.launchedAt = timestamps.novaMicro(now);
          server.activeAtMs = now;
        }
        this.finishAction(server, now);
      } else {
        // The slower of the two clocks says how far the build is.
        const done = Math.min(timeDone, pollsDone);
        const phase = Math.min(Math.floor(done * BUILD_TASK_STATES.length), 2);
        server.taskState = BUILD_TASK_STATES[Math.max(phase, 0)];
      }
    }
    const power = this.pendingPower.get(server.id);
    if (power && now >= power.dueMs) {
      this.pendingPower.delete(server.id);
      this.setStatus(server, power.target, now);
      this.finishAction(server, now);
    }
    if (server.activeAtMs !== null && Object.keys(server.addresses).length === 0) {
      if (now - server.activeAtMs >= t.addressDelayMs)
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
      case 'SHELVED_OFFLOADED':
        // The guest is destroyed on the host (shelved_offload_time 0, Nova's default): NOSTATE.
        Object.assign(server, { vmState: 'shelved_offloaded', taskState: null, powerState: 0 });
        break;
      case 'ERROR':
        Object.assign(server, { vmState: 'error', taskState: null, powerState: 0 });
        break;
      case 'BUILD':
        Object.assign(server, { vmState: 'building', taskState: 'scheduling', powerState: 0 });
        break;
      case 'DELETED':
        Object.assign(server, { vmState: 'deleted', taskState: null, powerState: 0 });
        break;
      default:
        break;
    }
  }

  /**
   * os-stop / os-start / shelve / unshelve: the server keeps its status with task_state
   * powering-off / powering-on / shelving / unshelving for actionDelayMs, then SHUTOFF (power_state
   * 4), ACTIVE or SHELVED_OFFLOADED (captures/nova/33b-server-get-stopping.txt,
   * 34-server-get-shutoff.txt; shelve offloads at once, as with Nova's default
   * shelved_offload_time 0).
   */
  requestPower(server: FakeServer, action: PowerAction): void {
    const target = POWER_TARGETS[action];
    const delay = this.behaviours.timing(this.behaviours.resolve(server.name)).actionDelayMs;
    server.taskState = POWER_TASK_STATES[action];
    server.updated = timestamps.seconds();
    if (delay <= 0) {
      this.setStatus(server, target);
      this.finishAction(server, Date.now());
      return;
    }
    this.pendingPower.set(server.id, { target, dueMs: Date.now() + delay });
    this.scheduleAdvance(server, delay);
  }

  /**
   * DELETE as the devcloud shows it: the old status with task_state `deleting`
   * (captures/nova/40b-server-get-right-after-delete.txt) for deleteDelayMs, then 200 with status
   * DELETED / vm_state deleted and no addresses (the ports are gone) for deletedStatusMs, then 404
   * (41-server-get-deleted-404.txt). A second DELETE while this runs changes nothing.
   */
  requestDelete(server: FakeServer, now = Date.now()): void {
    if (this.pendingDeletes.has(server.id)) return;
    const t = this.behaviours.timing(this.behaviours.resolve(server.name));
    this.pendingPower.delete(server.id);
    const deletion = {
      deletedAtMs: now + t.deleteDelayMs,
      goneAtMs: now + t.deleteDelayMs + t.deletedStatusMs,
    };
    this.pendingDeletes.set(server.id, deletion);
    server.taskState = 'deleting';
    server.updated = timestamps.seconds(now);
    if (this.advanceDelete(server, deletion, now)) {
      this.scheduleAdvance(server, deletion.deletedAtMs - now);
      this.scheduleAdvance(server, deletion.goneAtMs - now);
    }
  }

  /** Records a request as Nova's instance-action log does (os-instance-actions); finished when its work is. */
  recordAction(server: FakeServer, action: string, requestId: string, now = Date.now()): void {
    (server.actions ??= []).push({ action, requestId, startMs: now });
  }

  private finishAction(server: FakeServer, now: number): void {
    const open = server.actions?.filter((entry) => entry.finishMs === undefined).pop();
    if (open) open.finishMs = now;
  }

  private scheduleAdvance(server: FakeServer, delayMs: number): void {
    if (!Number.isFinite(delayMs) || delayMs <= 0) return;
    // +1 ms: a timer may fire within the millisecond before Date.now() reaches the due time.
    this.schedule(delayMs + 1, () => {
      if (this.state.servers.get(server.id) === server) this.advanceServer(server);
    });
  }

  isDeleting(serverId: string): boolean {
    return this.pendingDeletes.has(serverId);
  }

  /** Servers destroyed earlier, in their DELETED form, for `changes-since` lists. */
  destroyedServers(): FakeServer[] {
    return [...this.tombstones.values()];
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

  private advanceDelete(server: FakeServer, deletion: PendingDelete, now: number): boolean {
    if (now >= deletion.goneAtMs) {
      this.markDeleted(server, now);
      this.removeServer(server);
      return false;
    }
    if (now >= deletion.deletedAtMs) this.markDeleted(server, now);
    return true;
  }

  /** vm_state deleted: Nova has torn down the guest and released its ports. */
  private markDeleted(server: FakeServer, now: number): void {
    if (server.status === 'DELETED') return;
    this.setStatus(server, 'DELETED', now);
    server.terminatedAt = timestamps.novaMicro(now);
    server.addresses = {};
    this.releasePorts(server.id);
  }

  private removeServer(server: FakeServer): void {
    this.state.servers.delete(server.id);
    this.pendingDeletes.delete(server.id);
    this.pendingPower.delete(server.id);
    this.releasePorts(server.id);
    this.tombstones.set(server.id, server);
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
  }

  private releasePorts(serverId: string): void {
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
    if (snapshot.imageDone) {
      // Nova resets the task_state only after the upload call returned (compute manager).
      if (elapsed < delay + (this.imageBehaviour.taskStateClearDelayMs ?? 0)) return true;
      this.snapshots.delete(image.id);
      if (server && server.taskState?.startsWith('image_')) server.taskState = null;
      return true;
    }
    const outcome = this.imageBehaviour.snapshotOutcome ?? 'active';
    const lingers = outcome === 'active' && (this.imageBehaviour.taskStateClearDelayMs ?? 0) > 0;
    if (lingers) {
      snapshot.imageDone = true;
      if (server && server.taskState?.startsWith('image_')) server.taskState = 'image_uploading';
    } else {
      this.snapshots.delete(image.id);
      if (server && server.taskState?.startsWith('image_')) server.taskState = null;
    }
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
