import { AddressSelectionError } from '../../common/errors';
import type { Server, ServerAddress } from './results';

export interface ExtractAddressOptions {
  /** Only this network (a key of `server.addresses`). Needed when several networks match. */
  networkName?: string;
  /** 4 (default) or 6. */
  ipVersion?: 4 | 6;
  /** fixed or floating (`OS-EXT-IPS:type`). Default: either, preferring fixed. */
  type?: 'fixed' | 'floating';
}

function describeAll(server: Server): string {
  const parts = Object.entries(server.addresses).flatMap(([network, list]) =>
    list.map((a) => `${network}: ${a.address} (IPv${a.version}${a.type ? ` ${a.type}` : ''})`),
  );
  return parts.length
    ? `it has ${parts.join(', ')}`
    : `it has no addresses yet (status ${server.status})`;
}

/**
 * Picks one IP of a server safely. Never `addresses[first][0]` (whose order depends on the
 * network names and on Nova): the match is by network, IP version and type; when nothing matches,
 * or when matches sit on several networks and no `networkName` was given, the error lists what
 * the server has.
 */
export function extractAddress(server: Server, options: ExtractAddressOptions = {}): string {
  const ipVersion = options.ipVersion ?? 4;
  const wanted = `an IPv${ipVersion}${options.type ? ` ${options.type}` : ''} address${
    options.networkName !== undefined ? ` on network "${options.networkName}"` : ''
  }`;
  const label = `server ${server.id} (${server.name})`;
  if (options.networkName !== undefined && !(options.networkName in server.addresses)) {
    const networks = Object.keys(server.addresses);
    throw new AddressSelectionError(
      server.id,
      'none',
      `${label} is not on network "${options.networkName}" (${networks.length ? `networks: ${networks.join(', ')}` : 'no networks yet'}); ${describeAll(server)}`,
    );
  }
  const networks =
    options.networkName !== undefined ? [options.networkName] : Object.keys(server.addresses);
  const matchesByNetwork = new Map<string, ServerAddress[]>();
  for (const network of networks) {
    const matches = (server.addresses[network] ?? []).filter(
      (a) => a.version === ipVersion && (options.type === undefined || a.type === options.type),
    );
    if (matches.length) matchesByNetwork.set(network, matches);
  }
  if (matchesByNetwork.size === 0) {
    throw new AddressSelectionError(
      server.id,
      'none',
      `${label} has no ${wanted.replace(/^an? /, '')}; ${describeAll(server)}`,
    );
  }
  if (matchesByNetwork.size > 1) {
    throw new AddressSelectionError(
      server.id,
      'ambiguous',
      `${label} has ${wanted.replace(/^an? /, '')}es on several networks (${[...matchesByNetwork.keys()].join(', ')}); pass networkName to choose; ${describeAll(server)}`,
    );
  }
  const [matches] = [...matchesByNetwork.values()];
  // Without a type, prefer the fixed address (reachable inside the cloud) over a floating one.
  const chosen =
    matches.find((a) => a.type === 'fixed') ??
    matches.find((a) => a.type === undefined) ??
    matches[0];
  return chosen.address;
}
