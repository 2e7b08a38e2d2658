import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Clock } from '../../clock/clock';
import { HaproxyDataPlaneConfig } from '../../config/data-plane.config';
import { ProxyConfig } from '../../config/proxy.config';
import { TrafficConfig } from '../../config/traffic.config';
import {
  DataPlane,
  DataPlaneCounters,
  DataPlaneMember,
  DataPlaneStatus,
  MemberCounters,
  MemberState,
  RejectAnswer,
} from '../../seams/data-plane';
import { checkHaproxyConfig } from './haproxy-config-check';
import {
  GATE_KEYS,
  HAPROXY_BACKEND,
  HAPROXY_FRONTEND,
  HaproxyFiles,
  mapValue,
  renderGateMap,
  renderHaproxyConfig,
  renderLuaActions,
  SERVER_SLOT_PREFIX,
} from './haproxy-config-file';
import { HaproxyExit, HaproxyProcess } from './haproxy-process';
import { cliWord, HaproxyRuntimeApi } from './haproxy-runtime-api';
import { parseShowStat } from './haproxy-stats';

export interface HaproxyDataPlaneOptions {
  readonly haproxy: HaproxyDataPlaneConfig;
  readonly proxy: ProxyConfig;
  readonly traffic: TrafficConfig;
  readonly retryAfterSeconds: number;
  /** `scaling.maxInstances`: twice as many server slots are declared (instances draining out beside their replacements). */
  readonly maxInstances: number;
  readonly clock: Clock;
}

/** One instance in a server slot, as we last set it. */
interface KnownServer {
  readonly slot: string;
  readonly backend: DataPlaneMember['backend'];
  state: MemberState;
  weight: number;
  /** The slot's cumulative counters when the instance got it (a slot keeps its counters across instances). */
  readonly baseline: {
    readonly requests: number;
    readonly errors: number;
    readonly responses: number;
  };
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A process that ran this long before it exited was healthy: the restart delay starts over. */
const HEALTHY_RUN_MS = 10_000;
const START_POLL_MS = 5;

/**
 * `dataPlane.kind: haproxy`: starts HAProxy with a configuration written once (checked with
 * `haproxy -c` first), then changes it only through the Runtime API on a private UNIX socket:
 * an instance gets a server slot (`set server ... addr`, see SERVER_SLOT_PREFIX for why not
 * `add server`), `set server ... state ready|drain|maint`, `set server ... weight`, and the gate
 * map for the 503 while scaling. If HAProxy exits unexpectedly it is started again
 * (after `restartDelayMs`, doubling per exit in a row) and given the current members and gate.
 */
export class HaproxyDataPlane implements DataPlane {
  /** HAProxy is a child of this controller: it starts empty with it. */
  readonly membersOutliveController = false;
  private readonly logger = new Logger('HAProxy');
  private readonly api: HaproxyRuntimeApi;
  private readonly files: HaproxyFiles & { readonly configPath: string };
  private readonly ownsRuntimeDir: boolean;
  private process: HaproxyProcess | undefined;
  private state: DataPlaneStatus['state'] = 'stopped';
  private stopping = false;
  private epoch = 0;
  private restarts = 0;
  private exitsInARow = 0;
  private startedAtMs = 0;
  private lastRestart = '';
  private version = '';
  /** What the control plane asked for last (re-applied after a restart). */
  private desired: readonly DataPlaneMember[] = [];
  private rejectAnswer: RejectAnswer | undefined;
  /** What the running HAProxy has, by backend id. */
  private readonly known = new Map<string, KnownServer>();
  private readonly slotCount: number;
  private freeSlots: string[] = [];
  /** Runtime API changes run one at a time, in order. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: HaproxyDataPlaneOptions) {
    const { haproxy } = options;
    this.ownsRuntimeDir = haproxy.runtimeDir === '';
    const dir = this.ownsRuntimeDir
      ? mkdtempSync(join(tmpdir(), 'osa-haproxy-'))
      : haproxy.runtimeDir;
    if (!this.ownsRuntimeDir) mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.files = {
      configPath: join(dir, 'haproxy.cfg'),
      socketPath: haproxy.socketPath || join(dir, 'runtime-api.sock'),
      gateMapPath: join(dir, 'gate.map'),
      luaPath: join(dir, 'actions.lua'),
    };
    this.api = new HaproxyRuntimeApi(this.files.socketPath, haproxy.runtimeApiTimeoutMs);
    this.slotCount = 2 * options.maxInstances + 2;
  }

  /** The socket path (tests and docs: `socat - UNIX-CONNECT:<path>` shows what HAProxy has). */
  get socketPath(): string {
    return this.files.socketPath;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    try {
      await this.startOnce();
    } catch (error) {
      this.state = 'failed';
      if (this.ownsRuntimeDir)
        rmSync(join(this.files.configPath, '..'), { recursive: true, force: true });
      throw error;
    }
  }

  private async startOnce(): Promise<void> {
    const { haproxy, proxy, traffic, retryAfterSeconds } = this.options;
    if (proxy.listenPort === 0)
      throw new Error(
        'proxy.listenPort 0 (ephemeral) cannot be used with dataPlane.kind haproxy: HAProxy must be told its port',
      );
    this.state = 'starting';
    writeFileSync(
      this.files.configPath,
      renderHaproxyConfig({
        haproxy,
        proxy,
        traffic,
        retryAfterSeconds,
        serverSlots: this.slotCount,
        files: this.files,
      }),
      { mode: 0o600 },
    );
    writeFileSync(this.files.luaPath, renderLuaActions(), { mode: 0o600 });
    writeFileSync(this.files.gateMapPath, renderGateMap(this.rejectAnswer), { mode: 0o600 }); // the check opens it
    await checkHaproxyConfig(haproxy.binary, this.files.configPath);
    await this.launch();
    this.version = (await this.api.run('show info')).match(/^Version: (.+)$/m)?.[1] ?? 'unknown';
    this.logger.log(
      `HAProxy ${this.version} (pid ${this.pid}): proxy listening on ${proxy.listenHost}:${proxy.listenPort}; Runtime API on ${this.files.socketPath}; config ${this.files.configPath}`,
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const running = this.process;
    if (running) {
      const exit = await running.stop(this.options.proxy.shutdownDeadlineMs + 2_000);
      this.logger.log(`HAProxy stopped (${describeExit(exit)})`);
    }
    this.state = 'stopped';
    if (this.ownsRuntimeDir)
      rmSync(join(this.files.configPath, '..'), { recursive: true, force: true });
  }

  applyMembers(members: readonly DataPlaneMember[]): Promise<void> {
    this.desired = members;
    return this.serially(() => this.converge());
  }

  setRejectWhileScaling(answer: RejectAnswer | undefined): Promise<void> {
    this.rejectAnswer = answer;
    return this.serially(() => this.writeGate());
  }

  async readCounters(): Promise<DataPlaneCounters> {
    const epoch = this.epoch;
    const stats = parseShowStat(await this.api.run('show stat'), HAPROXY_FRONTEND, HAPROXY_BACKEND);
    const members = new Map<string, MemberCounters>();
    for (const [id, known] of this.known) {
      const server = stats.servers.get(known.slot);
      if (!server) continue;
      const { baseline } = known;
      members.set(id, {
        requests: Math.max(0, server.requests - baseline.requests),
        inFlight: server.inFlight,
        errors: Math.max(0, server.errors - baseline.errors),
        responses: Math.max(0, server.responses - baseline.responses),
      });
    }
    const forwarded = Math.max(0, stats.backend.serverSelections - stats.backend.redispatches);
    return {
      epoch,
      forwardedRequests: forwarded,
      rejectedRequests: Math.max(0, stats.frontend.requests - forwarded),
      members,
    };
  }

  status(): DataPlaneStatus {
    const where = `${this.options.proxy.listenHost}:${this.options.proxy.listenPort}`;
    return {
      kind: 'haproxy',
      state: this.state,
      detail: `HAProxy ${this.version || '(not started)'} pid ${this.pid ?? '-'} on ${where}, ${this.known.size} server(s)${this.lastRestart ? `; last restart: ${this.lastRestart}` : ''}`,
      restarts: this.restarts,
    };
  }

  /** Kills the running HAProxy as a crash would (the crash-and-restart tests; never used otherwise). */
  crashForTest(): void {
    this.process?.kill('SIGKILL');
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.changes.then(work, work);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /** Starts HAProxy and waits until its Runtime API answers; then it is given the gate and members. */
  private async launch(): Promise<void> {
    writeFileSync(this.files.gateMapPath, renderGateMap(this.rejectAnswer), { mode: 0o600 });
    this.known.clear();
    this.freeSlots = Array.from(
      { length: this.slotCount },
      (_, index) => `${SERVER_SLOT_PREFIX}${index + 1}`,
    );
    const child = new HaproxyProcess(this.options.haproxy.binary, this.files.configPath);
    this.process = child;
    this.startedAtMs = this.options.clock.nowMs();
    void child.exited.then((exit) => this.exitedUnexpectedly(child, exit));
    await this.waitForRuntimeApi(child);
    this.epoch++;
    this.state = 'running';
  }

  private async waitForRuntimeApi(child: HaproxyProcess): Promise<void> {
    const { clock, haproxy } = this.options;
    const deadlineMs = clock.nowMs() + haproxy.startTimeoutMs;
    for (;;) {
      if (!child.running) {
        const exit = await child.exited;
        throw new Error(`HAProxy exited while starting (${describeExit(exit)})`);
      }
      try {
        await this.api.run('show info');
        return;
      } catch (error) {
        if (clock.nowMs() >= deadlineMs) {
          child.kill('SIGKILL');
          throw new Error(
            `HAProxy did not answer on ${this.files.socketPath} within ${haproxy.startTimeoutMs} ms (dataPlane.haproxy.startTimeoutMs): ${(error as Error).message}`,
          );
        }
      }
      await clock.sleep(START_POLL_MS);
    }
  }

  private exitedUnexpectedly(child: HaproxyProcess, exit: HaproxyExit): void {
    if (this.stopping || child !== this.process || this.state === 'starting') return;
    const { clock, haproxy } = this.options;
    const exitedAtMs = clock.nowMs();
    this.exitsInARow = exitedAtMs - this.startedAtMs >= HEALTHY_RUN_MS ? 1 : this.exitsInARow + 1;
    const delayMs = Math.min(
      haproxy.restartDelayMs * 2 ** (this.exitsInARow - 1),
      MAX_RESTART_DELAY_MS,
    );
    this.state = 'restarting';
    this.logger.error(
      `HAProxy exited unexpectedly (${describeExit(exit)}): clients get connection errors until it is back; restarting in ${delayMs} ms`,
    );
    clock.setTimer(delayMs, () => void this.restart(exitedAtMs));
  }

  private async restart(exitedAtMs: number): Promise<void> {
    if (this.stopping) return;
    try {
      await this.launch();
      await this.serially(async () => {
        await this.writeGate(); // a change that came while it was starting
        await this.converge();
      });
      const gapMs = Math.round(this.options.clock.nowMs() - exitedAtMs);
      this.restarts++;
      this.lastRestart = `down ${gapMs} ms, ${this.known.size} server(s) given back`;
      this.logger.warn(
        `HAProxy restarted (pid ${this.pid}): down for ${gapMs} ms; ${this.known.size} server(s) and the gate given back through the Runtime API`,
      );
    } catch (error) {
      // A HAProxy that failed to come up has exited (or was killed at startTimeoutMs): its exit
      // schedules the next attempt, with the longer delay, through exitedUnexpectedly.
      this.logger.error(`HAProxy restart failed: ${(error as Error).message}`);
    }
  }

  /** Brings HAProxy's servers to `desired`; what fails stays for the next call (which the driver makes). */
  private async converge(): Promise<void> {
    if (this.state !== 'running') return;
    const failures: string[] = [];
    const attempt = async (what: () => Promise<void>): Promise<void> => {
      try {
        await what();
      } catch (error) {
        failures.push((error as Error).message);
      }
    };
    const wanted = new Map(this.desired.map((member) => [member.backend.id, member]));
    // Leavers first: their slots go to newcomers.
    for (const id of [...this.known.keys()])
      if (!wanted.has(id)) await attempt(() => this.freeSlot(id));
    for (const [id, member] of wanted) {
      const known = this.known.get(id);
      if (
        known &&
        (known.backend.host !== member.backend.host || known.backend.port !== member.backend.port)
      )
        await attempt(() => this.freeSlot(id));
      await attempt(() => this.shapeServer(member));
    }
    if (failures.length > 0)
      throw new Error(
        `HAProxy members not all applied (retried at the next change): ${failures.join('; ')}`,
      );
  }

  private async shapeServer(member: DataPlaneMember): Promise<void> {
    const weight = Math.min(256, Math.max(1, Math.round(member.weight)));
    let known = this.known.get(member.backend.id);
    if (!known) known = await this.takeSlot(member, weight);
    const target = `${HAPROXY_BACKEND}/${known.slot}`;
    if (known.weight !== weight) {
      await this.api.expect(`set server ${target} weight ${weight}`);
      known.weight = weight;
    }
    if (known.state !== member.state) {
      await this.api.expect(`set server ${target} state ${member.state}`);
      known.state = member.state;
    }
  }

  /** A free slot (in maintenance) pointed at the instance; its counters so far are the baseline. */
  private async takeSlot(member: DataPlaneMember, weight: number): Promise<KnownServer> {
    const slot = this.freeSlots[0];
    if (slot === undefined)
      throw new Error(
        `no free server slot for ${member.backend.id} (${this.slotCount} slots: 2 x scaling.maxInstances + 2)`,
      );
    const target = `${HAPROXY_BACKEND}/${slot}`;
    const stats = parseShowStat(
      await this.api.run('show stat'),
      HAPROXY_FRONTEND,
      HAPROXY_BACKEND,
    ).servers.get(slot);
    const { host, port } = member.backend;
    await this.api.expect(`set server ${target} addr ${host} port ${port}`, [
      /^IP changed from /,
      /^no need to change/,
    ]);
    await this.api.expect(`set server ${target} weight ${weight}`);
    this.freeSlots.shift();
    const known: KnownServer = {
      slot,
      backend: member.backend,
      state: 'maint',
      weight,
      baseline: {
        requests: stats?.requests ?? 0,
        errors: stats?.errors ?? 0,
        responses: stats?.responses ?? 0,
      },
    };
    this.known.set(member.backend.id, known);
    return known;
  }

  /** Out of HAProxy: maintenance (no new requests), cut what is left (the instance is gone), slot freed. */
  private async freeSlot(id: string): Promise<void> {
    const known = this.known.get(id);
    if (!known) return;
    const target = `${HAPROXY_BACKEND}/${known.slot}`;
    if (known.state !== 'maint') {
      await this.api.expect(`set server ${target} state maint`);
      known.state = 'maint';
    }
    await this.api.expect(`shutdown sessions server ${target}`);
    this.known.delete(id);
    this.freeSlots.push(known.slot);
  }

  /** The gate map: cleared (normal routing), or reason + Retry-After + `closed yes` (503 while scaling). */
  private async writeGate(): Promise<void> {
    if (this.state !== 'running') return; // written to the file before the next start
    const map = cliWord(this.files.gateMapPath);
    await this.api.expect(`clear map ${map}`);
    const answer = this.rejectAnswer;
    if (!answer) return;
    await this.api.expect(`add map ${map} ${GATE_KEYS.reason} ${cliWord(mapValue(answer.reason))}`);
    await this.api.expect(`add map ${map} ${GATE_KEYS.retryAfter} ${answer.retryAfterSeconds}`);
    await this.api.expect(`add map ${map} ${GATE_KEYS.closed} yes`);
  }
}

function describeExit(exit: HaproxyExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  const last = exit.lastOutput.filter((line) => /ALERT/.test(line)).slice(-3);
  return last.length > 0 ? `${how}; last alerts: ${last.join(' | ')}` : how;
}
