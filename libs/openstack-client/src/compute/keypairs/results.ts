import type { Secret } from '../../common/secret';

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
