import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { writeLocalGoldenImage } from '@osa/golden-image';
import { ControllerProcess, SERVICE_BUNDLE, WORKSPACE_ROOT } from './support/controller-process';
import { httpRequest } from './support/http-request';
import { ownLoopbackPrefix } from './support/loopback';
import { callJson } from './support/v1-client';

/** What a load client saw: the status and which instance answered (X-Instance-Address, on any status). */
interface Answer {
  readonly status: number;
  readonly instance: string | undefined;
}

/** `clients` loops of GET / on keep-alive connections until stopped (bounded by `maxDurationMs`). */
class Load {
  readonly answers: Answer[] = [];
  private stopped = false;
  private readonly agent = new Agent({ connections: 8 });
  private readonly loops: Promise<void>[];

  constructor(host: string, port: number, clients: number, pauseMs: number, maxDurationMs: number) {
    const deadline = Date.now() + maxDurationMs;
    this.loops = Array.from({ length: clients }, async () => {
      while (!this.stopped && Date.now() < deadline) {
        try {
          const reply = await httpRequest(host, port, 'GET', '/', {
            dispatcher: this.agent,
            timeoutMs: 15_000,
          });
          this.answers.push({
            status: reply.status,
            instance: reply.headers['x-instance-address'] as string | undefined,
          });
        } catch {
          this.answers.push({ status: 0, instance: undefined });
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    });
  }

  async stop(): Promise<Answer[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.agent.destroy();
    return this.answers;
  }
}

interface RefreshViewReply {
  id: string;
  state: string;
  toImageId: string;
  fromImageId: string | null;
  total: number;
  replaced: number;
  reason: string | null;
  canary: {
    instanceId: string | null;
    instanceName: string | null;
    sample: { requests: number; errors: number } | null;
    verdict: string | null;
  };
}
interface RefreshStatusReply {
  current: RefreshViewReply | null;
  history: RefreshViewReply[];
  pinnedImageId: string | null;
  rejectedImageIds: string[];
}
interface StatusReply {
  instances: Array<{
    id: string;
    name: string;
    role: string;
    state: string;
    health: string;
    ip: string | null;
    port: number | null;
  }>;
  refresh: RefreshStatusReply;
}

/** The `osa` CLI as `npx osa` runs it; resolves with its exit code and output (never rejects on a non-zero exit). */
async function osa(
  admin: { host: string; port: number },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        path.join(WORKSPACE_ROOT, 'tools/osa/bin/osa.cjs'),
        ...args,
        '--url',
        `http://${admin.host}:${admin.port}`,
      ],
      { timeout: 20_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A service that is healthy but answers every other request 500 (an image whose app is broken). */
const ANSWERS_500 = `
const http = require('http');
const host = process.env.HOST, port = Number(process.env.PORT);
http.createServer((req, res) => {
  res.setHeader('X-Instance-Address', host + ':' + port);
  if (req.url.startsWith('/healthz')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status":"ok"}'); return; }
  res.writeHead(500, { 'content-type': 'text/plain' }); res.end('broken image\\n');
}).listen(port, host);
process.on('SIGTERM', () => process.exit(0));
`;

/** A service that never comes up (exits at once, as a VM whose app cannot start would never answer). */
const NEVER_HEALTHY = `console.error('this image cannot start its service'); process.exit(3);\n`;

describe('instance refresh on the local provider (built controller as a real process, two golden images)', () => {
  jest.setTimeout(150_000);
  let dir: string;
  let imagesDir: string;
  let controllers: ControllerProcess[] = [];
  let load: Load | undefined;
  let prefix: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-e2e-'));
    imagesDir = path.join(dir, 'images');
    prefix = ownLoopbackPrefix();
  });
  afterEach(async () => {
    await load?.stop();
    load = undefined;
    for (const controller of controllers) await controller.stop();
    controllers = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function bake(bundleText?: string): string {
    let bundle = SERVICE_BUNDLE;
    if (bundleText !== undefined) {
      bundle = path.join(dir, `bundle-${Date.now()}-${Math.random().toString(16).slice(2)}.js`);
      fs.writeFileSync(bundle, bundleText);
    }
    return writeLocalGoldenImage(imagesDir, {
      name: 'service-golden',
      bundlePath: bundle,
      serviceVersion: '1.0.0',
    }).id;
  }

  function start(
    refresh: Record<string, unknown>,
    local: Record<string, unknown> = {},
    minInstances = 3,
  ): ControllerProcess {
    const controller = ControllerProcess.start({
      proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
      admin: { listenHost: `${prefix}.201`, listenPort: 0 },
      provider: {
        kind: 'local',
        local: {
          imagesDir,
          image: 'service-golden',
          firstAddress: `${prefix}.1`,
          bootDelayMs: 200,
          stopGraceMs: 3000,
          ...local,
        },
      },
      traffic: { mode: 'pool', duringScaleOut: 'serve' },
      scaling: {
        policies: [],
        minInstances,
        maxInstances: minInstances + 2,
        statusPollInitialMs: 100,
        statusPollMaxMs: 500,
        scaleIn: { drainTimeoutMs: 10_000 },
      },
      health: { intervalMs: 100, passesToAdmit: 2, failuresToEject: 2, readinessTimeoutMs: 10_000 },
      refresh: {
        imageCheckIntervalMs: 1_000,
        canaryWindowMs: 3_000,
        canaryWeight: 0.25,
        minCanaryRequests: 8,
        ...refresh,
      },
    });
    controllers.push(controller);
    return controller;
  }

  async function refreshStatus(admin: { host: string; port: number }): Promise<RefreshStatusReply> {
    return (await callJson<RefreshStatusReply>(admin, 'GET', '/v1/refresh')).body;
  }

  async function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    controller: ControllerProcess,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${controller.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function admittedInstances(admin: {
    host: string;
    port: number;
  }): Promise<StatusReply['instances']> {
    const status = (await callJson<StatusReply>(admin, 'GET', '/status')).body;
    return status.instances.filter(
      (instance) => instance.state === 'admitted' && instance.health === 'healthy',
    );
  }

  async function finished(
    admin: { host: string; port: number },
    controller: ControllerProcess,
    timeoutMs = 60_000,
  ): Promise<RefreshViewReply> {
    return waitFor(
      'a finished refresh',
      async () => {
        const status = await refreshStatus(admin);
        return status.current === null ||
          ['completed', 'rolled-back', 'cancelled'].includes(status.current.state)
          ? status.history.at(-1)
          : undefined;
      },
      timeoutMs,
      controller,
    );
  }

  /** The image each local instance runs, from its record (what the provider wrote at create). */
  function recordFiles(stateDir: string): string[] {
    if (!fs.existsSync(stateDir)) return [];
    // <stateDir>/<group>@<firstAddress>/<id>.json (local-instance-records.ts)
    return fs
      .readdirSync(stateDir)
      .map((group) => path.join(stateDir, group))
      .filter((groupDir) => fs.statSync(groupDir).isDirectory())
      .flatMap((groupDir) =>
        fs
          .readdirSync(groupDir)
          .filter((file) => file.endsWith('.json'))
          .map((file) => path.join(groupDir, file)),
      );
  }

  function imagesOfRecords(stateDir: string): string[] {
    return recordFiles(stateDir)
      .map(
        (file) =>
          (JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata: Record<string, string> })
            .metadata['osa:image'],
      )
      .sort();
  }

  it('a bake is noticed and rolled out under load: canary, then batches, 0 non-2xx, every instance on the new image', async () => {
    const oldImage = bake();
    const stateDir = path.join(dir, 'state');
    const controller = start({}, { stateDir });
    const { proxy, admin } = await controller.addresses();
    await waitFor(
      '3 instances',
      async () => ((await admittedInstances(admin)).length === 3 ? true : undefined),
      30_000,
      controller,
    );
    load = new Load(proxy.host, proxy.port, 4, 20, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const newImage = bake(`${fs.readFileSync(SERVICE_BUNDLE, 'utf8')}\n// v2\n`);
    const run = await finished(admin, controller);
    const answers = await load.stop();
    load = undefined;

    expect(run).toMatchObject({
      state: 'completed',
      fromImageId: oldImage,
      toImageId: newImage,
      total: 2,
      replaced: 2,
    });
    expect(run.canary.verdict).toMatch(/^passed: /);
    expect(run.canary.sample?.requests).toBeGreaterThanOrEqual(8);
    expect(answers.length).toBeGreaterThan(40);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    // The canary took its share, and the old instances kept serving until they were drained.
    const canaryAddress = (await admittedInstances(admin)).find(
      (instance) => instance.id === run.canary.instanceId,
    );
    expect(canaryAddress).toBeDefined();
    expect(
      answers.some((answer) => answer.instance === `${canaryAddress?.ip}:${canaryAddress?.port}`),
    ).toBe(true);
    // Original + 2 clones on the new image; the original (never replaced) still runs the old one.
    expect(await admittedInstances(admin)).toHaveLength(3);
    expect(imagesOfRecords(stateDir)).toEqual([oldImage, newImage, newImage].sort());
    expect(controller.output).toMatch(/refresh \w+: canary -> rolling/);
    expect(controller.output).toMatch(/refresh \w+: rolling -> completed/);
    // The newest golden image is what scale-outs use again: nothing pinned.
    expect((await refreshStatus(admin)).pinnedImageId).toBeNull();
  });

  it.each([
    ['answers 500', ANSWERS_500, /canary error rate 100\.0%/],
    ['never becomes healthy', NEVER_HEALTHY, /canary \S+ never became healthy/],
  ])(
    'a bad image that %s rolls back by itself: canary drained and deleted, old image pinned, 0 non-2xx from the old instances',
    async (_what, bundle, reason) => {
      const oldImage = bake();
      const stateDir = path.join(dir, 'state');
      const controller = start({}, { stateDir });
      const { proxy, admin } = await controller.addresses();
      await waitFor(
        '3 instances',
        async () => ((await admittedInstances(admin)).length === 3 ? true : undefined),
        30_000,
        controller,
      );
      const before = new Set(
        (await admittedInstances(admin)).map((instance) => `${instance.ip}:${instance.port}`),
      );
      load = new Load(proxy.host, proxy.port, 4, 20, 90_000);

      const badImage = bake(bundle);
      const run = await finished(admin, controller);
      // A little more traffic after the rollback: the old instances still serve everything.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const answers = await load.stop();
      load = undefined;

      expect(run).toMatchObject({
        state: 'rolled-back',
        fromImageId: oldImage,
        toImageId: badImage,
        replaced: 0,
      });
      expect(run.reason).toMatch(reason);
      const fromOld = answers.filter(
        (answer) => answer.instance !== undefined && before.has(answer.instance),
      );
      expect(fromOld.length).toBeGreaterThan(20);
      expect(fromOld.filter((answer) => answer.status !== 200)).toEqual([]);
      // Only the canary's own share failed (500s), and nothing failed without an instance to blame.
      expect(
        answers.filter(
          (answer) =>
            answer.status !== 200 && (answer.instance === undefined || before.has(answer.instance)),
        ),
      ).toEqual([]);

      const status = await refreshStatus(admin);
      expect(status).toMatchObject({ pinnedImageId: oldImage, rejectedImageIds: [badImage] });
      expect(
        new Set(
          (await admittedInstances(admin)).map((instance) => `${instance.ip}:${instance.port}`),
        ),
      ).toEqual(before);
      expect(imagesOfRecords(stateDir)).toEqual([oldImage, oldImage, oldImage]);
      expect(controller.output).toMatch(/refresh \w+: canary -> rolling-back/);
      // The same story through the CLI: the rollback and its reason, and nothing left to pause.
      const shown = await osa(admin, 'refresh', 'status', '-f', 'json');
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        state: 'rolled-back',
        to_image: badImage,
        pinned_image: oldImage,
        rejected_images: badImage,
        reason: expect.stringMatching(reason),
      });
      const pause = await osa(admin, 'refresh', 'pause');
      expect(pause.code).not.toBe(0);
      expect(pause.stderr).toMatch(/409.*no refresh is running: nothing to pause/);
      // The bake check does not start the rejected image again.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await refreshStatus(admin)).history).toHaveLength(1);
    },
  );

  it('osa refresh pause, resume and cancel: a paused canary takes no traffic, a cancelled one is drained and deleted, the old image stays', async () => {
    const oldImage = bake();
    const stateDir = path.join(dir, 'state');
    const controller = start({ autoStart: false, canaryWindowMs: 600_000 }, { stateDir });
    const { proxy, admin } = await controller.addresses();
    await waitFor(
      '3 instances',
      async () => ((await admittedInstances(admin)).length === 3 ? true : undefined),
      30_000,
      controller,
    );
    const newImage = bake(`${fs.readFileSync(SERVICE_BUNDLE, 'utf8')}\n// v2\n`);
    load = new Load(proxy.host, proxy.port, 2, 20, 90_000);

    expect((await osa(admin, 'refresh', 'start', '--image', newImage)).code).toBe(0);
    expect((await osa(admin, 'refresh', 'start', '--image', newImage)).stderr).toMatch(
      /409.*is canary: cancel it first/,
    );
    const canaryServing = await waitFor(
      'the canary judged',
      async () => {
        const current = (await refreshStatus(admin)).current;
        return current?.state === 'canary' && (current.canary.sample?.requests ?? 0) > 0
          ? current
          : undefined;
      },
      30_000,
      controller,
    );

    expect((await osa(admin, 'refresh', 'pause')).code).toBe(0);
    await waitFor(
      'paused',
      async () => ((await refreshStatus(admin)).current?.state === 'paused' ? true : undefined),
      10_000,
      controller,
    );
    const served = (await admittedInstances(admin)).find(
      (instance) => instance.id === canaryServing.canary.instanceId,
    );
    const canaryAddress = `${served?.ip}:${served?.port}`;
    const pausedAt = load.answers.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      load.answers.slice(pausedAt + 4).filter((answer) => answer.instance === canaryAddress),
    ).toEqual([]);

    expect((await osa(admin, 'refresh', 'resume')).code).toBe(0);
    await waitFor(
      'judged again',
      async () => ((await refreshStatus(admin)).current?.state === 'canary' ? true : undefined),
      10_000,
      controller,
    );
    expect((await osa(admin, 'refresh', 'cancel')).code).toBe(0);
    const run = await finished(admin, controller);
    const answers = await load.stop();
    load = undefined;

    expect(run).toMatchObject({
      state: 'cancelled',
      toImageId: newImage,
      replaced: 0,
      reason: 'cancelled: osa refresh cancel',
    });
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect((await refreshStatus(admin)).pinnedImageId).toBe(oldImage);
    expect(imagesOfRecords(stateDir)).toEqual([oldImage, oldImage, oldImage]);
    expect(controller.output).toMatch(
      /canary -> paused[\s\S]*paused -> canary[\s\S]*canary -> cancelled/,
    );
  });

  it('a controller killed mid-rollout resumes from the checkpoint in the servers metadata (the canary is not judged again)', async () => {
    const oldImage = bake();
    const stateDir = path.join(dir, 'state');
    const local = { stateDir, instancesOutliveController: true };
    const refresh = { autoStart: false, canaryWindowMs: 2_000, minCanaryRequests: 1 };
    const first = start(refresh, local, 4);
    const firstAddresses = await first.addresses();
    await waitFor(
      '4 instances',
      async () => ((await admittedInstances(firstAddresses.admin)).length === 4 ? true : undefined),
      30_000,
      first,
    );
    load = new Load(firstAddresses.proxy.host, firstAddresses.proxy.port, 2, 20, 90_000);
    const newImage = bake(`${fs.readFileSync(SERVICE_BUNDLE, 'utf8')}\n// v2\n`);
    const started = await callJson<RefreshStatusReply>(
      firstAddresses.admin,
      'POST',
      '/v1/refresh',
      { body: { image: newImage, reason: 'e2e' } },
    );
    expect(started.status).toBe(202);

    // After the canary passed and one batch replaced a second old clone: kill -9.
    await waitFor(
      'canary passed and a batch done',
      async () => {
        const current = (await refreshStatus(firstAddresses.admin)).current;
        return current?.state === 'rolling' && current.replaced >= 2 ? true : undefined;
      },
      60_000,
      first,
    );
    first.signal('SIGKILL');
    await first.exited;
    await load.stop();
    load = undefined;
    const canaryLaunches = (output: string): number =>
      (output.match(/refresh \S+: canary from image/g) ?? []).length;
    expect(canaryLaunches(first.output)).toBe(1);

    const second = start(refresh, local, 4);
    const { proxy, admin } = await second.addresses();
    // The resume waits for the adopted servers' launches, so from this line on they serve.
    await second.waitForLine(
      /resuming refresh \w+ to image \S+ from its checkpoint .*the canary had passed: rolling on/,
      30_000,
    );
    load = new Load(proxy.host, proxy.port, 2, 20, 90_000);
    const run = await finished(admin, second);
    const answers = await load.stop();
    load = undefined;

    expect(run).toMatchObject({ state: 'completed', trigger: 'resumed', toImageId: newImage });
    expect(canaryLaunches(second.output)).toBe(0);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(await admittedInstances(admin)).toHaveLength(4);
    expect(imagesOfRecords(stateDir)).toEqual([oldImage, newImage, newImage, newImage].sort());
    await second.stop();
    // instancesOutliveController: an orderly stop still stops them all; nothing is left behind.
    expect(recordFiles(stateDir)).toEqual([]);
  });
});
