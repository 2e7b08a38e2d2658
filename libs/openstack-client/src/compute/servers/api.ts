import { NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { pollUntil, type WaitForStatusOptions, type WaitOptions } from '../../common/wait';
import { readJsonObject, WireReader } from '../../common/wire';
import type { ComputeContext } from '../compute-context';
import { COMPUTE_MICROVERSION_FEATURES as MV, requireMicroversion } from '../microversion';
import {
  buildConsoleOutputAction,
  buildCreateImageAction,
  buildCreateServerBody,
  buildListServersQuery,
  checkMetadataArgument,
  type ConsoleOutputOptions,
  type CreateServerImageOptions,
  type CreateServerOptions,
  type DeleteOptions,
  type ListServersFilters,
} from './requests';
import {
  echoedMicroversion,
  parseCreateImageResult,
  parseServerActions,
  parseServerPage,
  parseServerRef,
  parseServerResponse,
  type Server,
  type ServerAction,
  type ServerRef,
  type ServerStatus,
} from './results';
import * as urls from './urls';
import type { CallOptions } from '../../session/session-types';
import { DEFAULT_SERVER_FAIL_STATES, serverDeletedWait, serverStatusWait } from './wait';

export type WaitForServerStatusOptions = WaitForStatusOptions<Server, ServerStatus>;
/** The status waiters' options: everything but the target, which the waiter's name says. */
export type WaitForServerPowerOptions = Omit<WaitForServerStatusOptions, 'target'>;
export interface WaitForServerDeletedOptions extends WaitOptions<Server> {
  /** Statuses that fail the wait at once. Default none (Nova can delete ERROR servers). */
  failOn?: readonly ServerStatus[];
}

/** Runs `fn`; a 404 becomes `fallback` when ignoreMissing (default true). */
async function ignoringMissing<T>(
  fn: () => Promise<T>,
  fallback: T,
  options: DeleteOptions | undefined,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotFoundError && (options?.ignoreMissing ?? true)) return fallback;
    throw err;
  }
}

export class ServerTagsApi {
  constructor(private readonly ctx: ComputeContext) {}

  private async mv(signal: AbortSignal | undefined) {
    const mv = await this.ctx.microversion(signal);
    requireMicroversion(mv, MV.serverTagsApi, 'server tags');
    return mv.toString();
  }

  /** GET /servers/{id}/tags (2.26+). */
  async list(serverId: string, options: CallOptions = {}): Promise<string[]> {
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.serverTagsUrl(serverId),
      microversion: await this.mv(options.signal),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return wire.stringArray(root, 'tags', 'body');
  }

  /** PUT /servers/{id}/tags/{tag} (2.26+); adding an existing tag is fine. */
  async add(serverId: string, tag: string, options: CallOptions = {}): Promise<void> {
    await this.ctx.session.request('compute', {
      method: 'PUT',
      path: urls.serverTagUrl(serverId, tag),
      microversion: await this.mv(options.signal),
      signal: options.signal,
    });
  }

  /** PUT /servers/{id}/tags (2.26+): replace all tags; returns the tags Nova stored. */
  async replace(
    serverId: string,
    tags: readonly string[],
    options: CallOptions = {},
  ): Promise<string[]> {
    const res = await this.ctx.session.request('compute', {
      method: 'PUT',
      path: urls.serverTagsUrl(serverId),
      json: { tags: [...tags] },
      microversion: await this.mv(options.signal),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return wire.stringArray(root, 'tags', 'body');
  }

  /** DELETE /servers/{id}/tags/{tag} (2.26+); false when the tag was not there (ignoreMissing, default true). */
  async delete(serverId: string, tag: string, options?: DeleteOptions): Promise<boolean> {
    const microversion = await this.mv(options?.signal);
    return ignoringMissing(
      async () => {
        await this.ctx.session.request('compute', {
          method: 'DELETE',
          path: urls.serverTagUrl(serverId, tag),
          microversion,
          signal: options?.signal,
        });
        return true;
      },
      false,
      options,
    );
  }
}

export class ServerMetadataApi {
  constructor(private readonly ctx: ComputeContext) {}

  private async send(
    method: 'GET' | 'POST' | 'PUT',
    serverId: string,
    metadata: Readonly<Record<string, string>> | undefined,
    options: CallOptions,
  ) {
    const microversion = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method,
      path: urls.serverMetadataUrl(serverId),
      json: metadata ? { metadata: checkMetadataArgument(metadata, 'metadata') } : undefined,
      microversion,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return wire.stringRecord(root, 'metadata', 'body');
  }

  /** GET /servers/{id}/metadata. */
  async get(serverId: string, options: CallOptions = {}): Promise<Record<string, string>> {
    return this.send('GET', serverId, undefined, options);
  }

  /** POST /servers/{id}/metadata: merge these keys into the existing metadata; returns all of it. */
  async update(
    serverId: string,
    metadata: Readonly<Record<string, string>>,
    options: CallOptions = {},
  ): Promise<Record<string, string>> {
    return this.send('POST', serverId, metadata, options);
  }

  /** PUT /servers/{id}/metadata: replace all metadata. */
  async replace(
    serverId: string,
    metadata: Readonly<Record<string, string>>,
    options: CallOptions = {},
  ): Promise<Record<string, string>> {
    return this.send('PUT', serverId, metadata, options);
  }

  /** DELETE /servers/{id}/metadata/{key}; false when the key was not there (ignoreMissing, default true). */
  async delete(serverId: string, key: string, options?: DeleteOptions): Promise<boolean> {
    const microversion = (await this.ctx.microversion(options?.signal)).toString();
    return ignoringMissing(
      async () => {
        await this.ctx.session.request('compute', {
          method: 'DELETE',
          path: urls.serverMetadataItemUrl(serverId, key),
          microversion,
          signal: options?.signal,
        });
        return true;
      },
      false,
      options,
    );
  }
}

export class ServersApi {
  readonly tags: ServerTagsApi;
  readonly metadata: ServerMetadataApi;

  constructor(private readonly ctx: ComputeContext) {
    this.tags = new ServerTagsApi(ctx);
    this.metadata = new ServerMetadataApi(ctx);
  }

  /**
   * POST /servers. Returns as soon as Nova accepts (status BUILD): register cleanup with the id
   * at once. A create is never retried (a lost answer could mean a server exists).
   */
  async create(options: CreateServerOptions): Promise<ServerRef> {
    const mv = await this.ctx.microversion(options.signal);
    const body = buildCreateServerBody(options, mv);
    const res = await this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.serversUrl(),
      json: body,
      microversion: mv.toString(),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseServerRef(wire, root);
  }

  /** GET /servers/{id}. NotFoundError when it does not exist. */
  async get(serverId: string, options: CallOptions = {}): Promise<Server> {
    const mv = await this.ctx.microversion(options.signal);
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.serverUrl(serverId),
      microversion: mv.toString(),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseServerResponse(wire, root);
  }

  /** GET /servers/{id}, undefined on 404. */
  async find(serverId: string, options: CallOptions = {}): Promise<Server | undefined> {
    try {
      return await this.get(serverId, options);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * GET /servers/detail, lazily following `servers_links`. `metadata` filters are applied here,
   * page by page (Nova offers no metadata filter to non-admin users).
   */
  list(filters: ListServersFilters = {}): ResourceList<Server> {
    const metadata = filters.metadata ? Object.entries(filters.metadata) : [];
    return new ResourceList<Server>(async (next) => {
      const mv = await this.ctx.microversion(filters.signal);
      const res = await this.ctx.session.request('compute', {
        method: 'GET',
        path: next ?? urls.serversDetailUrl(),
        query: next ? undefined : buildListServersQuery(filters, mv),
        microversion: mv.toString(),
        signal: filters.signal,
      });
      const { wire, root } = readJsonObject(res);
      const page = parseServerPage(wire, root);
      const items = metadata.length
        ? page.items.filter((s) => metadata.every(([k, v]) => s.metadata[k] === v))
        : page.items;
      // Keep following when a filtered page comes out empty but Nova has more.
      return {
        items,
        next: page.items.length ? page.next : undefined,
        rawCount: page.items.length,
      };
    });
  }

  /** DELETE /servers/{id}. Returns false when it was already gone (ignoreMissing, default true). */
  async delete(serverId: string, options?: DeleteOptions): Promise<boolean> {
    const mv = (await this.ctx.microversion(options?.signal)).toString();
    return ignoringMissing(
      async () => {
        await this.ctx.session.request('compute', {
          method: 'DELETE',
          path: urls.serverUrl(serverId),
          microversion: mv,
          signal: options?.signal,
        });
        return true;
      },
      false,
      options,
    );
  }

  private async action(serverId: string, body: Record<string, unknown>, options: CallOptions) {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    return this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.serverActionUrl(serverId),
      json: body,
      microversion: mv,
      signal: options.signal,
    });
  }

  /** POST /servers/{id}/action `{"os-stop": null}` (202; the server moves to SHUTOFF). */
  async stop(serverId: string, options: CallOptions = {}): Promise<void> {
    await this.action(serverId, { 'os-stop': null }, options);
  }

  /** POST /servers/{id}/action `{"os-start": null}` (202; the server moves to ACTIVE). */
  async start(serverId: string, options: CallOptions = {}): Promise<void> {
    await this.action(serverId, { 'os-start': null }, options);
  }

  /**
   * POST /servers/{id}/action `{"shelve": null}` (202). Allowed from ACTIVE, SHUTOFF, PAUSED or
   * SUSPENDED; the server goes SHELVED, then SHELVED_OFFLOADED (at once with Nova's default
   * `shelved_offload_time` 0), which frees the hypervisor but keeps the instance quota.
   */
  async shelve(serverId: string, options: CallOptions = {}): Promise<void> {
    await this.action(serverId, { shelve: null }, options);
  }

  /** POST /servers/{id}/action `{"unshelve": null}` (202; from SHELVED or SHELVED_OFFLOADED back to ACTIVE). */
  async unshelve(serverId: string, options: CallOptions = {}): Promise<void> {
    await this.action(serverId, { unshelve: null }, options);
  }

  /** Waits until the server is SHUTOFF (after `stop`); ERROR fails it with Nova's fault. */
  async waitForShutoff(serverId: string, options: WaitForServerPowerOptions): Promise<Server> {
    return this.waitForStatus(serverId, { ...options, target: 'SHUTOFF' });
  }

  /** Waits until the server is ACTIVE (after `create`, `start` or `unshelve`); ERROR fails it. */
  async waitForActive(serverId: string, options: WaitForServerPowerOptions): Promise<Server> {
    return this.waitForStatus(serverId, { ...options, target: 'ACTIVE' });
  }

  /** Waits until the server is SHELVED_OFFLOADED (after `shelve`); ERROR fails it. */
  async waitForShelvedOffloaded(
    serverId: string,
    options: WaitForServerPowerOptions,
  ): Promise<Server> {
    return this.waitForStatus(serverId, { ...options, target: 'SHELVED_OFFLOADED' });
  }

  /**
   * GET /servers/{id}/os-instance-actions: what Nova did to the server and when, newest first
   * (from 2.58 with `updatedAt`, when the action's last event finished: e.g. a `start`'s
   * updatedAt - startTime is Nova's own time to start it).
   */
  async actions(serverId: string, options: CallOptions = {}): Promise<ServerAction[]> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.serverActionsUrl(serverId),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseServerActions(wire, root);
  }

  /** POST /servers/{id}/action `createImage`: image id from the body (2.45+) or the Location header (before). */
  async createImage(
    serverId: string,
    options: CreateServerImageOptions,
  ): Promise<{ imageId: string }> {
    const sent = await this.ctx.microversion(options.signal);
    const res = await this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.serverActionUrl(serverId),
      json: buildCreateImageAction(options),
      microversion: sent.toString(),
      signal: options.signal,
    });
    const echoed = echoedMicroversion(res.headers) ?? sent;
    const location = res.headers['location'];
    return parseCreateImageResult(
      new WireReader(res),
      echoed,
      res.body,
      Array.isArray(location) ? location[0] : location,
    );
  }

  /** POST /servers/{id}/action `os-getConsoleOutput` (the last `length` lines, or all). */
  async consoleOutput(serverId: string, options: ConsoleOutputOptions = {}): Promise<string> {
    const res = await this.action(serverId, buildConsoleOutputAction(options), options);
    const { wire, root } = readJsonObject(res);
    return wire.string(root, 'output', 'body');
  }

  /**
   * Polls until the server has a target status; fails at once on `failOn` (default ERROR) with
   * Nova's fault message (ServerFaultError), or when it vanishes (ResourceGoneError).
   */
  async waitForStatus(serverId: string, options: WaitForServerStatusOptions): Promise<Server> {
    const targets =
      typeof options.target === 'string'
        ? [options.target as ServerStatus]
        : [...(options.target as readonly ServerStatus[])];
    const failOn = options.failOn ?? DEFAULT_SERVER_FAIL_STATES;
    return pollUntil(
      serverStatusWait(serverId, (signal) => this.find(serverId, { signal }), targets, failOn),
      options,
    );
  }

  /** Polls until GET answers 404 (or status DELETED). */
  async waitForDeleted(serverId: string, options: WaitForServerDeletedOptions): Promise<void> {
    return pollUntil(
      serverDeletedWait(
        serverId,
        (signal) => this.find(serverId, { signal }),
        options.failOn ?? [],
      ),
      options,
    );
  }
}
