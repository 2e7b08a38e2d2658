import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FakeOpenStack } from '@osa/openstack-testkit';
import { stringify } from 'yaml';
import { RecordingLogger } from '../e2e/support/recording-logger';
import { SeedFakeCloud } from '../e2e/support/seed-fake-cloud';
import { AppModule } from '../src/app.module';
import { loadControllerConfig } from '../src/config/config-loader';
import { CLOCK } from '../src/clock/clock';
import { OriginalInstanceService } from '../src/scaling/original-instance.service';
import { ScalingService } from '../src/scaling/scaling.service';
import { ManualClock } from './manual-clock';

/**
 * The whole controller on the fake OpenStack with a ManualClock in place of the system clock: the
 * only double is the cloud's HTTP API (the testkit) and the clock. The "VMs" are real service
 * instances on loopback (`prefix.1` the original, `prefix.2` every new server), so health checks
 * are real. Time moves only when the spec advances the clock: back-offs, cooldowns and timeouts of
 * minutes take milliseconds.
 */
export class FakeCloudController {
  private constructor(
    readonly app: INestApplication,
    readonly clock: ManualClock,
    readonly cloud: FakeOpenStack,
    readonly logger: RecordingLogger,
    readonly prefix: string,
    private readonly world: SeedFakeCloud,
    private readonly configDir: string,
  ) {}

  /** `openstack`: extra provider.openstack keys (server group, zones, placement timings). */
  static async start(
    scaling: Record<string, unknown> = {},
    openstack: Record<string, unknown> = {},
  ): Promise<FakeCloudController> {
    const world = await SeedFakeCloud.start();
    const { prefix, cloud } = world;
    cloud.setServerBehaviour(
      { address: () => `${prefix}.2`, bootDelayMs: 0 },
      { namePrefix: 'service-auto-' },
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cloud-controller-'));
    const file = path.join(dir, 'controller.yaml');
    fs.writeFileSync(
      file,
      stringify({
        proxy: { listenHost: `${prefix}.200`, listenPort: 0 },
        admin: { listenHost: `${prefix}.201`, listenPort: 0 },
        provider: {
          kind: 'openstack',
          ...(Object.keys(openstack).length > 0 ? { openstack } : {}),
        },
        health: { intervalMs: 200 },
        scaling: { statusPollInitialMs: 200, ...scaling },
      }),
    );
    const request = loadControllerConfig({
      argv: ['--config', file],
      env: world.env,
      cwd: world.dir,
      homeDir: world.dir,
      readTextFile: (filePath) =>
        fs.existsSync(filePath) ? fs.readFileSync(filePath, 'utf8') : undefined,
    });
    if (request.kind !== 'run') throw new Error('unexpected --help');
    const clock = new ManualClock();
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(request.loaded)],
    })
      .overrideProvider(CLOCK)
      .useValue(clock)
      .compile();
    const logger = new RecordingLogger();
    const app = moduleRef.createNestApplication({ logger });
    app.useLogger(logger);
    const running = new FakeCloudController(app, clock, cloud, logger, prefix, world, dir);
    try {
      await app.init();
      let admitted = false;
      void app
        .get(OriginalInstanceService)
        .admitted()
        .then(() => (admitted = true));
      await clock.advanceUntil(() => admitted && running.scaling.isRecovered, 120_000);
    } catch (error) {
      await running.close();
      throw error;
    }
    return running;
  }

  get scaling(): ScalingService {
    return this.app.get(ScalingService);
  }

  /** Advances the clock in small steps (letting real loopback I/O run between them) until `done`. */
  async until(done: () => boolean, limitMs = 300_000): Promise<void> {
    await this.clock.advanceUntil(done, limitMs, 50);
  }

  async close(): Promise<void> {
    // Shutdown waits on sleeps: keep the clock moving while Nest closes.
    let closed = false;
    const closing = this.app.close().finally(() => (closed = true));
    while (!closed) await this.clock.advance(1_000);
    await closing;
    await this.world.stop();
    fs.rmSync(this.configDir, { recursive: true, force: true });
  }
}
