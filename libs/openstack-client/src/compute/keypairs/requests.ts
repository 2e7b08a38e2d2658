import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import {
  COMPUTE_MICROVERSION_FEATURES as MV,
  requireMicroversion,
  type Microversion,
} from '../microversion';

export interface CreateKeypairOptions extends CallOptions {
  /** ssh (default) or x509; `type` needs microversion 2.2. */
  type?: 'ssh' | 'x509';
}

export interface ImportKeypairOptions extends CallOptions {
  type?: 'ssh' | 'x509';
}

type Json = Record<string, unknown>;

function checkName(name: string): string {
  // Nova allows letters, digits, spaces, '.', '_', '-' and '@' (API reference "Create Or Import Keypair").
  if (typeof name !== 'string' || !/^[A-Za-z0-9 ._@-]{1,255}$/.test(name)) {
    throw new InvalidArgumentError(
      'keypair.name',
      `${JSON.stringify(name)} is not allowed`,
      "allowed: 1-255 of letters, digits, space, '.', '_', '-', '@'",
    );
  }
  return name;
}

/** POST /os-keypairs body. `type` needs 2.2; we send it only when asked for. */
export function buildKeypairBody(
  name: string,
  publicKey: string | undefined,
  type: 'ssh' | 'x509' | undefined,
  mv: Microversion,
): Json {
  const keypair: Json = { name: checkName(name) };
  if (publicKey !== undefined) {
    if (typeof publicKey !== 'string' || publicKey.trim() === '') {
      throw new InvalidArgumentError('keypair.publicKey', 'must be a non-empty public key');
    }
    keypair['public_key'] = publicKey.trim();
  }
  if (type !== undefined) {
    requireMicroversion(mv, MV.keypairType, 'keypair type');
    keypair['type'] = type;
  }
  return { keypair };
}
