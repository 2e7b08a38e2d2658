import type { ResourceList } from '../../common/pagination';
import type { WaitForStatusOptions, WaitOptions } from '../../common/wait';
import type { ComputeContext } from '../compute-context';
import type {
  ConsoleOutputOptions,
  CreateServerImageOptions,
  CreateServerOptions,
  DeleteOptions,
  ListServersFilters,
} from './requests';
import type { Server, ServerRef, ServerStatus } from './results';

export type WaitForServerStatusOptions = WaitForStatusOptions<Server, ServerStatus>;

export class ServerTagsApi {
  constructor(protected readonly ctx: ComputeContext) {}
  /** GET /servers/{id}/tags (2.26+). */
  list(_serverId: string): Promise<string[]> {
    throw new Error('TODO');
  }
  /** PUT /servers/{id}/tags/{tag} (2.26+); adding an existing tag is fine. */
  add(_serverId: string, _tag: string): Promise<void> {
    throw new Error('TODO');
  }
  /** PUT /servers/{id}/tags (2.26+): replace all tags. */
  replace(_serverId: string, _tags: readonly string[]): Promise<string[]> {
    throw new Error('TODO');
  }
  /** DELETE /servers/{id}/tags/{tag} (2.26+); a missing tag is ignored by default. */
  delete(_serverId: string, _tag: string, _options?: DeleteOptions): Promise<void> {
    throw new Error('TODO');
  }
}

export class ServerMetadataApi {
  constructor(protected readonly ctx: ComputeContext) {}
  /** GET /servers/{id}/metadata. */
  get(_serverId: string): Promise<Record<string, string>> {
    throw new Error('TODO');
  }
  /** POST /servers/{id}/metadata: merge these keys into the existing metadata. */
  update(_serverId: string, _metadata: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    throw new Error('TODO');
  }
  /** PUT /servers/{id}/metadata: replace all metadata. */
  replace(_serverId: string, _metadata: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    throw new Error('TODO');
  }
  /** DELETE /servers/{id}/metadata/{key}. */
  delete(_serverId: string, _key: string, _options?: DeleteOptions): Promise<void> {
    throw new Error('TODO');
  }
}

export class ServersApi {
  readonly tags: ServerTagsApi;
  readonly metadata: ServerMetadataApi;

  constructor(protected readonly ctx: ComputeContext) {
    this.tags = new ServerTagsApi(ctx);
    this.metadata = new ServerMetadataApi(ctx);
  }

  /** POST /servers. Returns as soon as Nova accepts (status BUILD): register cleanup with the id at once. Never retried. */
  create(_options: CreateServerOptions): Promise<ServerRef> {
    throw new Error('TODO');
  }
  /** GET /servers/{id}. NotFoundError when it does not exist. */
  get(_serverId: string): Promise<Server> {
    throw new Error('TODO');
  }
  /** GET /servers/{id}, undefined on 404. */
  find(_serverId: string): Promise<Server | undefined> {
    throw new Error('TODO');
  }
  /** GET /servers/detail, lazily following `servers_links`. */
  list(_filters?: ListServersFilters): ResourceList<Server> {
    throw new Error('TODO');
  }
  /** DELETE /servers/{id}. Returns false when it was already gone (ignoreMissing, default true). */
  delete(_serverId: string, _options?: DeleteOptions): Promise<boolean> {
    throw new Error('TODO');
  }
  /** POST /servers/{id}/action `os-stop`. */
  stop(_serverId: string): Promise<void> {
    throw new Error('TODO');
  }
  /** POST /servers/{id}/action `os-start`. */
  start(_serverId: string): Promise<void> {
    throw new Error('TODO');
  }
  /** POST /servers/{id}/action `createImage`: image id from the body (2.45+) or the Location header (before). */
  createImage(_serverId: string, _options: CreateServerImageOptions): Promise<{ imageId: string }> {
    throw new Error('TODO');
  }
  /** POST /servers/{id}/action `os-getConsoleOutput`. */
  consoleOutput(_serverId: string, _options?: ConsoleOutputOptions): Promise<string> {
    throw new Error('TODO');
  }
  /** Poll until the server has a target status; fails at once on `failOn` (default ERROR) with Nova's fault, or if it vanishes. */
  waitForStatus(_serverId: string, _options: WaitForServerStatusOptions): Promise<Server> {
    throw new Error('TODO');
  }
  /** Poll until GET answers 404 (or status DELETED); fails at once if the server goes ERROR. */
  waitForDeleted(_serverId: string, _options: WaitOptions<Server>): Promise<void> {
    throw new Error('TODO');
  }
}
