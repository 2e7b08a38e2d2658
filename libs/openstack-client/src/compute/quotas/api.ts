import type { CallOptions } from '../../session/session-types';
import { readJsonObject } from '../../common/wire';
import type { ComputeContext } from '../compute-context';
import {
  parseAbsoluteLimits,
  parseQuotaDetail,
  type AbsoluteLimits,
  type ComputeQuotaDetail,
} from './results';
import * as urls from './urls';

/** What the project may still create: Nova's quota sets and absolute limits (read-only here). */
export class ComputeQuotasApi {
  constructor(private readonly ctx: ComputeContext) {}

  /**
   * GET /os-quota-sets/{project}/detail: limit, in_use and reserved per resource. A member may
   * read its own project (Nova policy `os_compute_api:os-quota-sets:detail`, project reader).
   */
  async detail(projectId: string, options: CallOptions = {}): Promise<ComputeQuotaDetail> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.quotaSetDetailUrl(projectId),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseQuotaDetail(wire, root);
  }

  /** GET /limits: the absolute limits and what the project uses (any member may read them). */
  async limits(options: CallOptions = {}): Promise<AbsoluteLimits> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.limitsUrl(),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseAbsoluteLimits(wire, root);
  }
}
