import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { LocalProviderConfig, ProviderConfig } from '../../config/provider.config';
import { Clock, CLOCK } from '../clock';
import {
  CreatedInstance,
  CreateInstanceRequest,
  InstanceProvider,
  InstanceSnapshot,
  InstanceStatus,
  METADATA_GROUP_KEY,
  METADATA_REASON_KEY,
  OriginalInstance,
} from '../instance-provider';
import { LaunchedProcess, PROCESS_LAUNCHER, ProcessLauncher } from './process-launcher';

/** Something the local provider cannot do (the equivalent of a 4xx from Nova). */
export class LocalProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalProviderError';
  }
}

interface LocalInstance {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly process: LaunchedProcess;
  /** BUILD until this moment (monotonic ms), then ACTIVE: a VM's boot, made visible. */
  readonly activeAtMs: number;
  deleted: boolean;
}

/**
 * Instances as child processes of the controller, each running the service bundle (the "golden
 * image") on its own loopback address: 127.0.10.1 for the original, .2, .3 ... for clones, so
 * a switch changes the backend's IP just as in the seed. Every child is stopped on shutdown and
 * dies by itself if the controller is killed (see process-launcher.ts).
 */
@Injectable()
export class LocalInstanceProvider implements InstanceProvider, OnApplicationShutdown {
  readonly kind = 'local' as const;
  private readonly logger = new Logger('LocalProvider');
  private readonly instances = new Map<string, LocalInstance>();
  private addressesHandedOut = 0;
  private readonly killAllOnExit = (): void => {
    for (const instance of this.instances.values()) instance.process.killNow();
  };

  constructor(
    private readonly config: LocalProviderConfig,
    private readonly providerConfig: ProviderConfig,
    @Inject(PROCESS_LAUNCHER) private readonly launcher: ProcessLauncher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // Last resort when the controller exits without Nest's shutdown (process.exit, a crash).
    process.on('exit', this.killAllOnExit);
  }

  get servicePort(): number {
    return this.config.servicePort;
  }

  async provisionOriginal(): Promise<OriginalInstance> {
    const instance = this.start(this.providerConfig.originalName, { [METADATA_REASON_KEY]: 'original' }, 0);
    return { id: instance.id, name: instance.name, endpoint: { host: instance.address, port: this.config.servicePort } };
  }

  async create(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const instance = this.start(request.name, { [METADATA_REASON_KEY]: request.reason }, this.config.bootDelayMs);
    return { id: instance.id, name: instance.name };
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
    this.instances.delete(id);
    this.logger.log(`${instance.name} (${instance.address}) stopped: pid ${instance.process.pid} ${describeExit(exit.code, exit.signal)}`);
  }

  async listGroup(): Promise<InstanceSnapshot[]> {
    return [...this.instances.values()].filter((instance) => !instance.deleted).map((instance) => this.snapshot(instance));
  }

  /** Pids of the running children (for tests and status). */
  childPids(): number[] {
    return [...this.instances.values()].flatMap((instance) => (instance.process.pid === undefined ? [] : [instance.process.pid]));
  }

  async onApplicationShutdown(): Promise<void> {
    const running = [...this.instances.keys()];
    if (running.length > 0) this.logger.log(`stopping ${running.length} local instance(s)`);
    await Promise.all(running.map((id) => this.delete(id)));
    process.off('exit', this.killAllOnExit);
  }

  private start(name: string, extraMetadata: Record<string, string>, bootDelayMs: number): LocalInstance {
    if (!fs.existsSync(this.config.bundlePath)) {
      throw new LocalProviderError(
        `the golden image ${this.config.bundlePath} (provider.local.bundlePath) does not exist: build it with \`npx nx build service\``,
      );
    }
    const address = this.nextAddress();
    const id = randomUUID();
    const child = this.launcher.launch({
      name,
      scriptPath: this.config.bundlePath,
      env: { ...this.config.serviceEnv, HOST: address, PORT: String(this.config.servicePort) },
      onOutput: (line) => this.logger.log(`${name} | ${line}`),
    });
    const instance: LocalInstance = {
      id,
      name,
      address,
      metadata: { [METADATA_GROUP_KEY]: this.providerConfig.group, ...extraMetadata },
      process: child,
      activeAtMs: this.clock.nowMs() + bootDelayMs,
      deleted: false,
    };
    this.instances.set(id, instance);
    this.logger.log(`${name} starting: pid ${child.pid ?? '?'} on ${address}:${this.config.servicePort} (id ${id})`);
    return instance;
  }

  private nextAddress(): string {
    const [a, b, c, d] = this.config.firstAddress.split('.').map(Number);
    const last = d + this.addressesHandedOut;
    if (last > 254) {
      throw new LocalProviderError(
        `no loopback address left after ${this.addressesHandedOut} instances from ${this.config.firstAddress} (provider.local.firstAddress): choose a lower last octet`,
      );
    }
    this.addressesHandedOut++;
    return `${a}.${b}.${c}.${last}`;
  }

  private snapshot(instance: LocalInstance): InstanceSnapshot {
    const exit = instance.process.exit;
    let status: InstanceStatus;
    let fault: string | undefined;
    if (instance.deleted) {
      status = 'DELETED';
    } else if (exit) {
      status = 'ERROR';
      const lastLine = instance.process.recentOutput().pop();
      fault = exit.spawnError
        ? `process could not start: ${exit.spawnError}`
        : `process exited ${describeExit(exit.code, exit.signal)}${lastLine ? `: ${lastLine}` : ''}`;
    } else {
      status = this.clock.nowMs() < instance.activeAtMs ? 'BUILD' : 'ACTIVE';
    }
    return {
      id: instance.id,
      name: instance.name,
      status,
      fault,
      address: status === 'ACTIVE' ? instance.address : undefined,
      metadata: instance.metadata,
    };
  }
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `by ${signal}` : `with code ${code}`;
}
