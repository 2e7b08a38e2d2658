import type { ResourceList } from '../../common/pagination';
import type { ComputeContext } from '../compute-context';
import type { DeleteOptions } from '../servers/requests';
import type { CreateKeypairOptions, ImportKeypairOptions } from './requests';
import type { GeneratedKeypair, Keypair } from './results';

export class KeypairsApi {
  constructor(protected readonly ctx: ComputeContext) {}
  /**
   * POST /os-keypairs without a public key: Nova generates the pair and returns the private key
   * once. Nova removed generation at 2.92, so this request is sent at min(negotiated, 2.91).
   */
  create(_name: string, _options?: CreateKeypairOptions): Promise<GeneratedKeypair> {
    throw new Error('TODO');
  }
  /** POST /os-keypairs with `public_key`. */
  import(_name: string, _publicKey: string, _options?: ImportKeypairOptions): Promise<Keypair> {
    throw new Error('TODO');
  }
  /** GET /os-keypairs/{name}. */
  get(_name: string): Promise<Keypair> {
    throw new Error('TODO');
  }
  /** GET /os-keypairs (follows `keypairs_links` from 2.35). */
  list(): ResourceList<Keypair> {
    throw new Error('TODO');
  }
  /** DELETE /os-keypairs/{name}; false when already gone (ignoreMissing, default true). */
  delete(_name: string, _options?: DeleteOptions): Promise<boolean> {
    throw new Error('TODO');
  }
}
