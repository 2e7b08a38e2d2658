import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { stringify } from 'yaml';
import { installOpenApiDocument } from '../../src/admin/v1/openapi-document';
import { AppModule } from '../../src/app.module';
import { loadControllerConfig } from '../../src/config/config-loader';
import { OriginalInstanceService } from '../../src/scaling/original-instance.service';
import { ProxyServer } from '../../src/proxy/proxy-server';
import { ScalingService } from '../../src/scaling/scaling.service';
import { WORKSPACE_ROOT, withOwnImageStore } from './controller-process';
import { RecordingLogger } from './recording-logger';
import { LOGGED } from './log-lines';

/**
 * The whole controller (AppModule, every real module) inside the test process: the same config
 * loader as main.ts reads a real YAML file; the proxy and the admin listener bind real sockets.
 */
export class InProcessController {
  private constructor(
    readonly app: INestApplication,
    readonly logger: RecordingLogger,
    readonly proxy: { host: string; port: number },
    readonly admin: { host: string; port: number },
    private readonly dir: string,
  ) {}

  static async start(
    config: Record<string, unknown>,
    env: Record<string, string> = {},
  ): Promise<InProcessController> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'controller-inproc-'));
    const file = path.join(dir, 'controller.yaml');
    fs.writeFileSync(file, stringify(withOwnImageStore(config, dir)));
    const request = loadControllerConfig({
      argv: ['--config', file],
      env,
      cwd: WORKSPACE_ROOT,
      homeDir: dir,
      readTextFile: (filePath) =>
        fs.existsSync(filePath) ? fs.readFileSync(filePath, 'utf8') : undefined,
    });
    if (request.kind !== 'run') throw new Error('unexpected --help');
    const logger = new RecordingLogger();
    const app = await NestFactory.create(AppModule.forRoot(request.loaded), {
      logger,
      abortOnError: false,
    });
    try {
      const { admin } = request.loaded.config;
      // As main.ts does: GET /v1/openapi.json serves the document generated from the controllers.
      installOpenApiDocument(app);
      await app.listen(admin.listenPort, admin.listenHost);
      const adminAddress = app.getHttpServer().address() as { address: string; port: number };
      // With an external data plane (dataPlane.kind haproxy) no ProxyServer exists: it listens where the config says.
      const { proxy, dataPlane } = request.loaded.config;
      const proxyAddress =
        dataPlane.kind === 'builtin'
          ? app.get(ProxyServer).address()
          : { address: proxy.listenHost, port: proxy.listenPort };
      if (!proxyAddress) throw new Error('proxy is not listening');
      return new InProcessController(
        app,
        logger,
        { host: proxyAddress.address, port: proxyAddress.port },
        { host: adminAddress.address, port: adminAddress.port },
        dir,
      );
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  get scaling(): ScalingService {
    return this.app.get(ScalingService);
  }

  /** Resolves once the original backend is admitted. */
  async originalAdmitted(timeoutMs = 20_000): Promise<void> {
    const admitted = this.app.get(OriginalInstanceService).admitted();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `original not admitted within ${timeoutMs} ms:\n${this.logger.lines.join('\n')}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([admitted, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.logger.withFields(LOGGED.originalAdmitted).length === 0) {
      throw new Error(
        `original adoption ended without admission:\n${this.logger.lines.join('\n')}`,
      );
    }
  }

  async close(): Promise<void> {
    await this.app.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
