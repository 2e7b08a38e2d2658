import type { CallOptions } from '../../session/session-types';
import { NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { readJsonObject } from '../../common/wire';
import type { ComputeContext } from '../compute-context';
import { COMPUTE_MICROVERSION_FEATURES as MV, Microversion } from '../microversion';
import type { DeleteOptions } from '../servers/requests';
import { buildKeypairBody, type CreateKeypairOptions, type ImportKeypairOptions } from './requests';
import {
  parseGeneratedKeypair,
  parseKeypair,
  parseKeypairPage,
  type GeneratedKeypair,
  type Keypair,
} from './results';
import * as urls from './urls';

/** The last microversion at which Nova still generates keypairs. */
const LAST_GENERATING_MICROVERSION = new Microversion(
  2,
  Microversion.parse(MV.keypairGenerationRemoved).minor - 1,
);

export class KeypairsApi {
  constructor(private readonly ctx: ComputeContext) {}

  /**
   * POST /os-keypairs without a public key: Nova generates the pair and returns the private key
   * once (as a Secret). Nova removed generation at 2.92, so this one request is sent at
   * min(negotiated, 2.91).
   */
  async create(name: string, options: CreateKeypairOptions = {}): Promise<GeneratedKeypair> {
    const negotiated = await this.ctx.microversion(options.signal);
    const mv =
      negotiated.compare(LAST_GENERATING_MICROVERSION) > 0
        ? LAST_GENERATING_MICROVERSION
        : negotiated;
    const res = await this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.keypairsUrl(),
      json: buildKeypairBody(name, undefined, options.type, mv),
      microversion: mv.toString(),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseGeneratedKeypair(wire, root);
  }

  /** POST /os-keypairs with `public_key`. ConflictError when the name is taken. */
  async import(
    name: string,
    publicKey: string,
    options: ImportKeypairOptions = {},
  ): Promise<Keypair> {
    const mv = await this.ctx.microversion(options.signal);
    const res = await this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.keypairsUrl(),
      json: buildKeypairBody(name, publicKey, options.type, mv),
      microversion: mv.toString(),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseKeypair(wire, wire.object(root, 'keypair', 'body'));
  }

  /** GET /os-keypairs/{name}. */
  async get(name: string, options: CallOptions = {}): Promise<Keypair> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.keypairUrl(name),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseKeypair(wire, wire.object(root, 'keypair', 'body'));
  }

  /** GET /os-keypairs (follows `keypairs_links`, 2.35+). */
  list(options: CallOptions = {}): ResourceList<Keypair> {
    return new ResourceList<Keypair>(async (next) => {
      const mv = (await this.ctx.microversion(options.signal)).toString();
      const res = await this.ctx.session.request('compute', {
        method: 'GET',
        path: next ?? urls.keypairsUrl(),
        microversion: mv,
        signal: options.signal,
      });
      const { wire, root } = readJsonObject(res);
      return parseKeypairPage(wire, root);
    });
  }

  /** DELETE /os-keypairs/{name}; false when already gone (ignoreMissing, default true). */
  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    try {
      await this.ctx.session.request('compute', {
        method: 'DELETE',
        path: urls.keypairUrl(name),
        microversion: mv,
        signal: options.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError && (options.ignoreMissing ?? true)) return false;
      throw err;
    }
  }
}
