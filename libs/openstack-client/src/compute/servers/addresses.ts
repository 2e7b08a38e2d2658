import type { Server } from './results';

export interface ExtractAddressOptions {
  /** Only this network (key of `server.addresses`). Default: any network. */
  networkName?: string;
  /** 4 (default) or 6. */
  ipVersion?: 4 | 6;
  /** fixed or floating (`OS-EXT-IPS:type`). Default: either, preferring fixed. */
  type?: 'fixed' | 'floating';
}

/**
 * Picks one IP of a server safely. Never `addresses[first][0]`: the match is by network, version
 * and type, and when nothing matches the error lists what the server does have.
 */
export function extractAddress(_server: Server, _options: ExtractAddressOptions = {}): string {
  throw new Error('TODO');
}
