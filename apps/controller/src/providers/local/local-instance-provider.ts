import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { LocalProviderConfig, ProviderConfig } from '../../config/provider.config';
import { Clock, CLOCK } from '../../clock/clock';
import {
  CreatedInstance,
  CreateInstanceRequest,
  GoldenImageChoice,
  InstanceProvider,
  InstanceSnapshot,
  InstanceStatus,
  METADATA_GROUP_KEY,
  METADATA_IMAGE_KEY,
  METADATA_REASON_KEY,
  OriginalInstance,
  StartInstanceRequest,
  StopInstanceRequest,
} from '../instance-provider';
import { GoldenImagePin } from '../golden-image-pin';
import { chooseLocalImage, staleImageNote } from './local-golden-image';
import { LocalInstanceRecord, LocalInstanceRecords } from './local-instance-records';
import {
  findProcessesByMarker,
  isOurProcess,
  LaunchedProcess,
  MARKER_VARIABLE,
  PROCESS_LAUNCHER,
  ProcessLauncher,
} from './process-launcher';

/** Something the local provider cannot do (the equivalent of a 4xx from Nova). */
export class LocalProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalProviderError';
  }
}

interface LocalInstance {
  record: LocalInstanceRecord;
  /** Replaced when a stopped instance is started again. */
  process: LaunchedProcess;
  /** Found by this controller after a restart (a previous controller started it). */
  readonly adopted: boolean;
  deleted: boolean;
}

/** The original is marked like this in its metadata (`osa:reason`), so a restart recognises it. */
const ORIGINAL_REASON = 'original';

/**
 * Instances as child processes of the controller, each running the golden image's service bundle
 * (chosen per instance from the local image store, see local-golden-image.ts) on its own loopback
 * address: 127.0.10.1 for the original, the lowest free one after it for each clone, so a switch
 * changes the backend's IP just as in the seed.
 *
 * Every instance is written down under `provider.local.stateDir` (pid, address, group metadata),
 * which makes the group listable after a controller restart, exactly like server metadata in the
 * cloud. With `instancesOutliveController: false` (the default) instances die with the controller
 * even on SIGKILL (see process-launcher.ts) and a restarted controller stops whatever is left;
 * with `true` they keep serving and are adopted. An orderly stop always stops them.
 */
@Injectable()
export class LocalInstanceProvider
  implements InstanceProvider, OnModuleInit, OnApplicationShutdown
{
  readonly kind = 'local' as const;
  private readonly logger = new Logger('LocalProvider');
  private readonly instances = new Map<string, LocalInstance>();
  private readonly records: LocalInstanceRecords;
  /** The store image the last instance started from ('' before any), to warn about a stale image once. */
  private lastImageId: string | undefined = '';
  private readonly killAllOnExit = (): void => {
    for (const instance of this.instances.values())
      if (!instance.record.logFile) instance.process.killNow();
  };

  constructor(
    private readonly config: LocalProviderConfig,
    private readonly providerConfig: ProviderConfig,
    @Inject(PROCESS_LAUNCHER) private readonly launcher: ProcessLauncher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() private readonly pin?: GoldenImagePin,
  ) {
    this.records = new LocalInstanceRecords(
      config.stateDir,
      providerConfig.group,
      config.firstAddress,
    );
    // Last resort when the controller exits without Nest's shutdown (process.exit, a crash).
    process.on('exit', this.killAllOnExit);
  }

  get servicePort(): number {
    return this.config.servicePort;
  }

  /** What a previous controller left behind: adopt it, or stop it, per `instancesOutliveController`. */
  async onModuleInit(): Promise<void> {
    const { records, problems } = this.records.readAll();
    for (const problem of problems)
      this.logger.error(`unreadable instance record ${problem}: left in place, check it by hand`);
    await Promise.all(records.map((record) => this.recoverRecord(record)));
  }

  async provisionOriginal(): Promise<OriginalInstance> {
    const found = [...this.instances.values()].find(
      (instance) =>
        !instance.deleted &&
        instance.record.metadata[METADATA_REASON_KEY] === ORIGINAL_REASON &&
        !instance.process.exit,
    );
    const instance = found ?? this.launch(this.providerConfig.originalName, ORIGINAL_REASON, 0);
    return {
      id: instance.record.id,
      name: instance.record.name,
      endpoint: { host: instance.record.address, port: this.config.servicePort },
    };
  }

  async create(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const instance = this.launch(request.name, request.reason, this.config.bootDelayMs, request);
    return { id: instance.record.id, name: instance.record.name };
  }

  /** os-stop's equivalent: the process ends (SIGTERM), the record and its address stay; shelving is the same here. */
  async stop(id: string, _request: StopInstanceRequest): Promise<void> {
    const instance = this.require(id, 'stop');
    if (instance.record.poweredOff)
      throw new LocalProviderError(
        `cannot stop ${instance.record.name} (${id}): it is already stopped`,
      );
    this.setRecord(instance, { ...instance.record, poweredOff: true });
    const exit = await instance.process.stop(this.config.stopGraceMs);
    this.logger.log(
      `${instance.record.name} (${instance.record.address}) stopped: pid ${instance.process.pid} ${describeExit(exit.code, exit.signal)}; record kept`,
    );
  }

  /** os-start's equivalent: the same image and address, a new process, ACTIVE after provider.local.bootDelayMs. */
  async start(id: string, _request?: StartInstanceRequest): Promise<void> {
    const instance = this.require(id, 'start');
    if (!instance.record.poweredOff) return;
    const record: LocalInstanceRecord = {
      ...instance.record,
      poweredOff: false,
      pid: undefined,
      activeAtEpochMs: this.clock.now().getTime() + this.config.bootDelayMs,
    };
    const bundlePath = this.bundleOf(record);
    this.setRecord(instance, record);
    instance.process = this.spawn(record, bundlePath);
    this.setRecord(instance, { ...record, pid: instance.process.pid });
    this.logger.log(
      `${record.name} starting again: pid ${instance.process.pid ?? '?'} on ${record.address}:${this.config.servicePort}`,
    );
  }

  /** What a create would use now, a refresh pin included. */
  async currentImageId(): Promise<string> {
    const imageId = this.pin?.imageId ?? this.config.imageId;
    return imageIdOf(
      chooseLocalImage(imageId === this.config.imageId ? this.config : { ...this.config, imageId }),
    );
  }

  async describe(id: string): Promise<InstanceSnapshot> {
    const instance = this.instances.get(id);
    if (!instance) return { id, name: '', status: 'DELETED', metadata: {} };
    return this.snapshot(instance);
  }

  async delete(id: string): Promise<void> {
    const instance = this.instances.get(id);
    if (!instance || instance.deleted) return;
    instance.deleted = true;
    const exit = await instance.process.stop(this.config.stopGraceMs);
    this.forget(instance);
    this.logger.log(
      `${instance.record.name} (${instance.record.address}) stopped: pid ${instance.process.pid} ${describeExit(exit.code, exit.signal)}`,
    );
  }

  async listGroup(): Promise<InstanceSnapshot[]> {
    return [...this.instances.values()]
      .filter((instance) => !instance.deleted)
      .map((instance) => this.snapshot(instance));
  }

  async resolveGoldenImage(): Promise<GoldenImageChoice> {
    const choice = chooseLocalImage(this.config);
    return { id: choice.imageId, description: choice.description };
  }

  async updateMetadata(id: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    const instance = this.instances.get(id);
    if (!instance || instance.deleted)
      throw new LocalProviderError(`instance ${id} does not exist (any more)`);
    instance.record = {
      ...instance.record,
      metadata: { ...instance.record.metadata, ...metadata },
    };
    this.records.write(instance.record);
  }

  /** Pids of the running instances (for tests and status). */
  childPids(): number[] {
    return [...this.instances.values()].flatMap((instance) =>
      instance.process.pid === undefined ? [] : [instance.process.pid],
    );
  }

  /** Where the records live (for tests and the README). */
  get recordsDirectory(): string {
    return this.records.directory;
  }

  async onApplicationShutdown(): Promise<void> {
    const running = [...this.instances.keys()];
    if (running.length > 0) this.logger.log(`stopping ${running.length} local instance(s)`);
    await Promise.all(running.map((id) => this.delete(id)));
    this.records.removeDirectoryIfEmpty();
    process.off('exit', this.killAllOnExit);
  }

  private async recoverRecord(record: LocalInstanceRecord): Promise<void> {
    const pids =
      record.pid !== undefined
        ? isOurProcess(record.pid, record.id)
          ? [record.pid]
          : []
        : findProcessesByMarker(record.id);
    const what = `${record.name} (${record.address}, id ${record.id})`;
    if (record.poweredOff) {
      // Stopped by a previous controller: a process still running was caught mid-stop, so it is finished now.
      await Promise.all(
        pids.map((pid) =>
          this.launcher
            .attach({ pid, marker: record.id, logFile: record.logFile })
            .stop(this.config.stopGraceMs),
        ),
      );
      if (this.config.instancesOutliveController) {
        this.instances.set(record.id, {
          record: { ...record, pid: undefined },
          process: this.launcher.attach({ pid: -1, marker: record.id, logFile: record.logFile }),
          adopted: true,
          deleted: false,
        });
        this.logger.log(`${what} was left stopped by a previous controller: found again, SHUTOFF`);
      } else {
        this.removeRecord(record);
        this.logger.log(
          `${what} was stopped and ended with the previous controller; record cleared`,
        );
      }
      return;
    }
    if (pids.length === 0) {
      if (this.config.instancesOutliveController) {
        // Surfaced as ERROR so the group's recovery deletes it through the same path as a cloud server in ERROR.
        this.instances.set(record.id, {
          record,
          process: this.launcher.attach({
            pid: record.pid ?? -1,
            marker: record.id,
            logFile: record.logFile,
          }),
          adopted: true,
          deleted: false,
        });
        this.logger.warn(`${what} was left by a previous controller and its process is gone`);
      } else {
        this.removeRecord(record);
        this.logger.log(`${what} ended with the previous controller; record cleared`);
      }
      return;
    }
    const [pid] = pids;
    const found = this.launcher.attach({ pid, marker: record.id, logFile: record.logFile });
    if (this.config.instancesOutliveController && record.logFile) {
      this.instances.set(record.id, {
        record: { ...record, pid },
        process: found,
        adopted: true,
        deleted: false,
      });
      this.logger.log(
        `${what} pid ${pid} kept running through the controller restart: found again (provider.local.instancesOutliveController=true)`,
      );
      return;
    }
    this.logger.log(
      `${what} pid ${pid} was left running by a previous controller: stopping it (provider.local.instancesOutliveController=false)`,
    );
    await found.stop(this.config.stopGraceMs);
    this.removeRecord(record);
  }

  private require(id: string, action: string): LocalInstance {
    const instance = this.instances.get(id);
    if (!instance || instance.deleted)
      throw new LocalProviderError(`cannot ${action} instance ${id}: no such instance`);
    return instance;
  }

  private setRecord(instance: LocalInstance, record: LocalInstanceRecord): void {
    instance.record = record;
    this.records.write(record);
  }

  /** The bundle a stopped instance was started from (its image may have been re-baked since: the store keeps old images). */
  private bundleOf(record: LocalInstanceRecord): string {
    const current = chooseLocalImage(this.config);
    if (record.imageId === undefined || imageIdOf(current) === record.imageId)
      return current.bundlePath;
    const pinned = chooseLocalImage({
      ...this.config,
      imageId: record.imageId.startsWith('bundle:') ? undefined : record.imageId,
    });
    return pinned.bundlePath;
  }

  private launch(
    name: string,
    reason: string,
    bootDelayMs: number,
    request?: Pick<CreateInstanceRequest, 'imageId' | 'metadata'>,
  ): LocalInstance {
    // A refresh names its image; otherwise the refresh's pin (after a rollback), otherwise the configured choice.
    const imageId = request?.imageId ?? this.pin?.imageId ?? this.config.imageId;
    const image = chooseLocalImage(
      imageId === this.config.imageId ? this.config : { ...this.config, imageId },
    );
    if (image.imageId !== this.lastImageId) {
      // Once per image change, not per instance: the note compares file hashes.
      this.lastImageId = image.imageId;
      const note = staleImageNote(image, this.config);
      if (note) this.logger.warn(note);
    }
    const id = randomUUID();
    const pending: LocalInstanceRecord = {
      id,
      name,
      address: this.nextAddress(),
      metadata: {
        ...request?.metadata,
        [METADATA_GROUP_KEY]: this.providerConfig.group,
        [METADATA_REASON_KEY]: reason,
        ...(image.imageId ? { [METADATA_IMAGE_KEY]: image.imageId } : {}),
      },
      createdAt: this.clock.now().toISOString(),
      activeAtEpochMs: this.clock.now().getTime() + bootDelayMs,
      logFile: this.config.instancesOutliveController ? this.records.logFileFor(id) : undefined,
      imageId: imageIdOf(image),
    };
    // Written before the process starts: a controller killed in between still leaves a trace
    // (the marker in the process environment finds it).
    this.records.write(pending);
    const child = this.spawn(pending, image.bundlePath);
    const record = { ...pending, pid: child.pid };
    if (child.pid !== undefined) this.records.write(record);
    const instance: LocalInstance = { record, process: child, adopted: false, deleted: false };
    this.instances.set(id, instance);
    const output = record.logFile ? `; output in ${record.logFile}` : '';
    this.logger.log(
      `${name} starting: pid ${child.pid ?? '?'} on ${record.address}:${this.config.servicePort} (id ${id}) from ${image.description}${output}`,
    );
    return instance;
  }

  private spawn(record: LocalInstanceRecord, bundlePath: string): LaunchedProcess {
    return this.launcher.launch({
      name: record.name,
      scriptPath: bundlePath,
      env: {
        ...this.config.serviceEnv,
        HOST: record.address,
        PORT: String(this.config.servicePort),
        [MARKER_VARIABLE]: record.id,
      },
      onOutput: (line) => this.logger.log(`${record.name} | ${line}`),
      outliveParent: record.logFile ? { logFile: record.logFile } : undefined,
    });
  }

  private forget(instance: LocalInstance): void {
    this.instances.delete(instance.record.id);
    this.removeRecord(instance.record);
  }

  private removeRecord(record: LocalInstanceRecord): void {
    this.records.remove(record.id);
    if (record.logFile) this.records.removeLog(record.id);
  }

  /** The lowest address from firstAddress on that no live instance uses (addresses are reused after a delete). */
  private nextAddress(): string {
    const [a, b, c, first] = this.config.firstAddress.split('.').map(Number);
    const used = new Set([...this.instances.values()].map((instance) => instance.record.address));
    for (let last = first; last <= 254; last++) {
      const address = `${a}.${b}.${c}.${last}`;
      if (!used.has(address)) return address;
    }
    throw new LocalProviderError(
      `no loopback address left: all ${255 - first} from ${this.config.firstAddress} (provider.local.firstAddress) to ${a}.${b}.${c}.254 are in use; choose a lower last octet`,
    );
  }

  private snapshot(instance: LocalInstance): InstanceSnapshot {
    const { record } = instance;
    const exit = instance.process.exit;
    let status: InstanceStatus;
    let fault: string | undefined;
    if (instance.deleted) {
      status = 'DELETED';
    } else if (record.poweredOff) {
      status = 'SHUTOFF';
    } else if (exit) {
      status = 'ERROR';
      const lastLine = instance.process.recentOutput().pop();
      fault = exit.spawnError
        ? `process could not start: ${exit.spawnError}`
        : instance.adopted && exit.code === null && exit.signal === null
          ? `process ${record.pid ?? '(never recorded)'} is gone${lastLine ? `; last output: ${lastLine}` : ''}`
          : `process exited ${describeExit(exit.code, exit.signal)}${lastLine ? `: ${lastLine}` : ''}`;
    } else {
      status = this.clock.now().getTime() < record.activeAtEpochMs ? 'BUILD' : 'ACTIVE';
    }
    return {
      id: record.id,
      name: record.name,
      status,
      fault,
      address: status === 'ACTIVE' ? record.address : undefined,
      metadata: record.metadata,
      imageId: record.imageId,
      createdAt: record.createdAt,
    };
  }
}

/** A store image's id, or the built bundle's path (which has none). */
function imageIdOf(image: { readonly imageId?: string; readonly bundlePath: string }): string {
  return image.imageId ?? `bundle:${image.bundlePath}`;
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `by ${signal}` : `with code ${code}`;
}
