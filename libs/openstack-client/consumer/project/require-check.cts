// CommonJS consumer: `import ... from` in a .cts compiles to require(), so under node16 this is
// checked against the package's "require" types (dist/index.d.ts).
import { CLIENT_VERSION, NotFoundError, OpenStackClient, Secret } from '@osa/openstack-client';
import type { OpenStackClientOptions, Server } from '@osa/openstack-client';

const options: Pick<OpenStackClientOptions, 'timeoutMs'> = { timeoutMs: 10_000 };
const describeServer = (server: Server): string => `${server.name} ${server.status}`;
const secret = new Secret('s3cret');
export const summary: string = [
  CLIENT_VERSION,
  typeof OpenStackClient.fromEnvironment,
  NotFoundError.prototype instanceof Error,
  String(secret),
  options.timeoutMs,
  typeof describeServer,
].join(' ');
