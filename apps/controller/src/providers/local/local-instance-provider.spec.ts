import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalProviderConfig, ProviderConfig } from '../../config/provider.config';
import { ownLoopbackPrefix } from '../../../e2e/support/loopback';
import { httpGet, HttpReply } from '../../../e2e/support/http-get';
import { isAlive } from '../../../e2e/support/process-tree';
import { SystemClock } from '../../clock/clock';
import { LocalImageError } from './local-golden-image';
import { LocalInstanceProvider } from './local-instance-provider';
import { NodeProcessLauncher } from './process-launcher';

const SERVICE_BUNDLE = path.resolve(__dirname, '../../../../../dist/apps/service/main.js');

async function until<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('LocalInstanceProvider (child processes of the service bundle on their own loopback addresses)', () => {
  // The services log through Nest's static Logger; keep jest's output to the assertions.
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  let provider: LocalInstanceProvider;
  let prefix: string;
  let dir: string;

  function makeProvider(local: Partial<LocalProviderConfig>): LocalInstanceProvider {
    const config = Object.assign(new LocalProviderConfig(), {
      bundlePath: SERVICE_BUNDLE,
      firstAddress: `${prefix}.1`,
      stopGraceMs: 2_000,
      stateDir: dir,
      imagesDir: path.join(dir, 'images'),
      ...local,
    });
    return new LocalInstanceProvider(
      config,
      new ProviderConfig(),
      new NodeProcessLauncher(),
      new SystemClock(),
    );
  }

  beforeEach(() => {
    prefix = ownLoopbackPrefix();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-provider-'));
  });
  afterEach(async () => {
    await provider?.onApplicationShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts the original at once and each clone on the next address, BUILD until the boot delay passes', async () => {
    provider = makeProvider({ bootDelayMs: 700, serviceEnv: { WORK_DELAY_MS: '0' } });
    const original = await provider.provisionOriginal();
    expect(original).toMatchObject({
      name: 'service-vm-1',
      endpoint: { host: `${prefix}.1`, port: 5000 },
    });
    expect(await provider.describe(original.id)).toMatchObject({
      status: 'ACTIVE',
      address: `${prefix}.1`,
    });

    const created = await provider.create({ name: 'service-auto-abcde', reason: 'scale-out' });
    const booting = await provider.describe(created.id);
    expect(booting).toMatchObject({
      status: 'BUILD',
      address: undefined,
      metadata: { 'osa:group': 'service', 'osa:reason': 'scale-out' },
    });
    const active = await until(
      () => provider.describe(created.id),
      (snapshot) => snapshot.status === 'ACTIVE',
      5_000,
    );
    expect(active).toMatchObject({ status: 'ACTIVE', address: `${prefix}.2` });
    const reply = await until(
      (): Promise<HttpReply> =>
        httpGet(`${prefix}.2`, 5000, '/work').catch(() => ({ status: 0, headers: {}, body: '' })),
      (answer) => answer.status === 200,
      5_000,
    );
    expect(reply.headers['x-instance-address']).toBe(`${prefix}.2:5000`);
    expect((await provider.listGroup()).map((instance) => instance.name)).toEqual([
      'service-vm-1',
      'service-auto-abcde',
    ]);

    const pids = provider.childPids();
    expect(pids).toHaveLength(2);
    await provider.delete(created.id);
    await provider.delete(created.id); // idempotent
    expect(await provider.describe(created.id)).toMatchObject({ status: 'DELETED' });
    expect(isAlive(pids[1])).toBe(false);
    await provider.onApplicationShutdown();
    expect(pids.some(isAlive)).toBe(false);
  });

  it('stops an instance (process ended, record and address kept: SHUTOFF) and starts it again on the same address (warm pool)', async () => {
    provider = makeProvider({ bootDelayMs: 0, serviceEnv: { WORK_DELAY_MS: '0' } });
    await provider.provisionOriginal();
    const created = await provider.create({
      name: 'service-auto-warm1',
      reason: 'warm-pool',
      metadata: { 'osa:state': 'warming' },
    });
    const answers = (): Promise<HttpReply> =>
      httpGet(`${prefix}.2`, 5000, '/healthz').catch(() => ({ status: 0, headers: {}, body: '' }));
    expect((await until(answers, (reply) => reply.status === 200, 5_000)).status).toBe(200);
    const [, firstPid] = provider.childPids();

    await provider.stop(created.id, { shelve: false });
    expect(isAlive(firstPid)).toBe(false);
    expect(await provider.describe(created.id)).toMatchObject({
      status: 'SHUTOFF',
      address: undefined,
      metadata: { 'osa:state': 'warming', 'osa:reason': 'warm-pool' },
    });
    expect((await answers()).status).toBe(0);
    await expect(provider.stop(created.id, { shelve: false })).rejects.toThrow(/already stopped/);
    await provider.updateMetadata(created.id, { 'osa:state': 'warm' });
    expect(
      (await provider.listGroup()).find((instance) => instance.id === created.id),
    ).toMatchObject({ status: 'SHUTOFF', metadata: { 'osa:state': 'warm' } });

    await provider.start(created.id);
    expect(
      await until(
        () => provider.describe(created.id),
        (snapshot) => snapshot.status === 'ACTIVE',
        5_000,
      ),
    ).toMatchObject({ status: 'ACTIVE', address: `${prefix}.2` });
    expect((await until(answers, (reply) => reply.status === 200, 5_000)).status).toBe(200);
    expect(provider.childPids()[1]).not.toBe(firstPid);
    await provider.start(created.id); // already running: nothing happens
    expect(await provider.currentImageId()).toBe(`bundle:${SERVICE_BUNDLE}`);
  });

  it('reports ERROR with the exit code and the last line printed when the instance process dies', async () => {
    const crashing = path.join(dir, 'crashing-service.js');
    fs.writeFileSync(
      crashing,
      "console.error('cannot open /etc/service.conf'); process.exit(3);\n",
    );
    provider = makeProvider({ bundlePath: crashing, bootDelayMs: 60_000 });
    const created = await provider.create({ name: 'service-auto-crash', reason: 'scale-out' });
    const failed = await until(
      () => provider.describe(created.id),
      (snapshot) => snapshot.status === 'ERROR',
      5_000,
    );
    expect(failed.fault).toBe('process exited with code 3: cannot open /etc/service.conf');
  });

  it('refuses to start without a golden image or a built bundle, saying how to make one', async () => {
    provider = makeProvider({ bundlePath: path.join(dir, 'missing.js') });
    await expect(provider.create({ name: 'service-auto-x', reason: 'scale-out' })).rejects.toThrow(
      LocalImageError,
    );
    await expect(provider.provisionOriginal()).rejects.toThrow(
      /bake one with `npx nx run tools:bake-image -- --provider=local`, or build the service with `npx nx build service`/,
    );
    expect(provider.childPids()).toEqual([]);
  });

  it('runs out of loopback addresses with a clear error instead of wrapping around', async () => {
    provider = makeProvider({ firstAddress: `${prefix}.254`, bootDelayMs: 0 });
    await provider.provisionOriginal();
    await expect(provider.create({ name: 'service-auto-y', reason: 'scale-out' })).rejects.toThrow(
      /no loopback address left: all 1 from .*\.254 .* are in use/,
    );
  });
});
