import * as http from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { ServiceEndpoint } from '../providers/instance-provider';
import { Clock, CLOCK } from '../clock/clock';

/** The outcome of one health check. Probes never throw: every failure is a result. */
export interface ProbeResult {
  readonly ok: boolean;
  /** `200`, `503`, `ECONNREFUSED`, `timeout after 2000 ms` ... */
  readonly detail: string;
  readonly durationMs: number;
}

/** Checks one backend once. Injectable so anything that can answer "is it healthy" fits. */
export interface BackendProbe {
  check(endpoint: ServiceEndpoint, signal?: AbortSignal): Promise<ProbeResult>;
}

export const BACKEND_PROBE = Symbol('BACKEND_PROBE');

/** Longest body we read from a health endpoint; the status code is what counts. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * `GET <health.path>` over plain HTTP; any 2xx passes. A fresh connection per check
 * (`agent: false`), so a check also proves the backend still accepts connections.
 */
@Injectable()
export class HttpBackendProbe implements BackendProbe {
  constructor(
    private readonly config: HealthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  check(endpoint: ServiceEndpoint, signal?: AbortSignal): Promise<ProbeResult> {
    const startedMs = this.clock.nowMs();
    const elapsed = (): number => Math.round(this.clock.nowMs() - startedMs);
    return new Promise<ProbeResult>((resolve) => {
      let settled = false;
      const finish = (ok: boolean, detail: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        request.destroy();
        resolve({ ok, detail, durationMs: elapsed() });
      };
      const request = http.request({
        host: endpoint.host,
        port: endpoint.port,
        path: this.config.path,
        method: 'GET',
        agent: false,
        headers: { 'user-agent': 'osa-controller-health-check', connection: 'close' },
      });
      const timer = setTimeout(
        () => finish(false, `no answer within ${this.config.checkTimeoutMs} ms`),
        this.config.checkTimeoutMs,
      );
      const onAbort = (): void => finish(false, 'check cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish(false, error.code ?? error.message),
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_BODY_BYTES) finish(status >= 200 && status < 300, `HTTP ${status}`);
        });
        response.on('end', () => finish(status >= 200 && status < 300, `HTTP ${status}`));
        response.on('error', (error: NodeJS.ErrnoException) =>
          finish(false, `HTTP ${status}, then ${error.code ?? error.message}`),
        );
      });
      request.end();
    });
  }
}
