import { Secret } from '../../common/secret';
import type { WireReader } from '../../common/wire';

export interface Keypair {
  name: string;
  publicKey: string;
  fingerprint: string;
  /** `type` from 2.2: ssh or x509. */
  type?: 'ssh' | 'x509' | (string & {});
  userId?: string;
  created?: string;
}

/** A keypair Nova generated: the private key is returned once, and only here. */
export interface GeneratedKeypair extends Keypair {
  privateKey: Secret;
}

type Obj = Record<string, unknown>;

export function parseKeypair(wire: WireReader, k: Obj, path = 'keypair'): Keypair {
  return {
    name: wire.string(k, 'name', path),
    publicKey: wire.string(k, 'public_key', path),
    fingerprint: wire.string(k, 'fingerprint', path),
    type: wire.optionalString(k, 'type', path),
    userId: wire.optionalString(k, 'user_id', path),
    created: wire.optionalString(k, 'created_at', path),
  };
}

/** POST /os-keypairs (generated): `private_key` is present once, before 2.92. */
export function parseGeneratedKeypair(wire: WireReader, root: Obj): GeneratedKeypair {
  const k = wire.object(root, 'keypair', 'body');
  return {
    ...parseKeypair(wire, k),
    privateKey: new Secret(wire.string(k, 'private_key', 'keypair')),
  };
}

/** GET /os-keypairs: `{"keypairs": [{"keypair": {...}}], "keypairs_links"?: [...]}` (links from 2.35). */
export function parseKeypairPage(
  wire: WireReader,
  root: Obj,
): { items: Keypair[]; next: string | undefined } {
  return {
    items: wire.array(root, 'keypairs', 'body').map((entry, i) => {
      const path = `keypairs[${i}]`;
      return parseKeypair(
        wire,
        wire.object(wire.record(entry, path), 'keypair', path),
        `${path}.keypair`,
      );
    }),
    next: wire.nextLink(root, 'keypairs_links', 'body'),
  };
}
