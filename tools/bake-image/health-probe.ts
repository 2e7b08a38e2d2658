/**
 * One HTTP GET against a service's health path, bounded by a timeout. Used for `--readiness=health`
 * (clouds that store user data but never run it, like the devcloud) and for the local smoke test.
 */
import * as http from 'node:http';

export interface HealthProbeResult {
  ok: boolean;
  /** HTTP status, or a short error (`ECONNREFUSED`, `timeout after 3000 ms`). */
  detail: string;
}

export function probeHealth(url: string, timeoutMs: number): Promise<HealthProbeResult> {
  return new Promise((resolve) => {
    // A fresh connection per probe (agent: false): a stale keep-alive socket must not hide a dead VM.
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
      });
      res.on('error', (err) => resolve({ ok: false, detail: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: err.code ?? err.message }),
    );
  });
}
