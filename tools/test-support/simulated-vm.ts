/**
 * What a base VM's console says in tests: the fake OpenStack does not run cloud-init, so this
 * plays its part from the server's real user data. It reads the bake id out of the ready-check
 * script the bake sent (so the bake must wait for the marker of *its* VM), and prints the marker
 * only `readyAfterMs` after the server went ACTIVE (so the bake must really poll). The script
 * itself is executed for real in cloud-init-user-data.spec.ts.
 */
import type { FakeServer } from '@osa/openstack-testkit';
import { parse } from 'yaml';
import { READY_CHECK_PATH_IN_VM } from '../bake-image/cloud-init-user-data';

export function userDataOf(server: FakeServer): string {
  return Buffer.from(server.userData ?? '', 'base64').toString('utf8');
}

/** The bake id the VM's ready-check script will print, or undefined if there is no such script. */
export function bakeIdInUserData(server: FakeServer): string | undefined {
  const text = userDataOf(server);
  if (!text.startsWith('#cloud-config')) return undefined;
  const doc = parse(text) as { write_files?: { path: string; content: string }[] };
  const script = doc.write_files?.find((f) => f.path === READY_CHECK_PATH_IN_VM)?.content ?? '';
  return /^bake_id='([^']+)'$/m.exec(script)?.[1];
}

export function cloudInitConsole(
  options: { readyAfterMs?: number; outcome?: 'ready' | 'failed' } = {},
) {
  return (server: FakeServer): string => {
    const boot = `[    0.000000] Linux version 5.15.0-91-generic\nCloud-init v. 23.3 running 'init' at ${server.created}\n`;
    const bakeId = bakeIdInUserData(server);
    if (
      !bakeId ||
      server.activeAtMs === null ||
      Date.now() - server.activeAtMs < (options.readyAfterMs ?? 0)
    ) {
      return `${boot}Setting up nodejs (12.22.9~dfsg-1ubuntu3) ...\n`;
    }
    return options.outcome === 'failed'
      ? `${boot}OSA-BAKE-FAILED:${bakeId} http://localhost:5000/healthz not healthy after 90 attempts: code=exited, status=1/FAILURE\n`
      : `${boot}OSA-BAKE-READY:${bakeId} http://localhost:5000/healthz healthy after 2 attempt(s), node v12.22.9\nCloud-init v. 23.3 finished\n`;
  };
}
