// Nova servers: create (validated like Nova), show, list (+detail) with filters and pagination,
// delete, actions (os-stop, os-start, shelve, unshelve, reboot, createImage, os-getConsoleOutput), metadata, tags.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FakeFlavor, FakeImage, FakeServer } from '../fake-openstack.types';
import {
  empty,
  isRecord,
  json,
  parseJsonBody,
  timestamps,
  type RouteContext,
  type Router,
  type WireResponse,
} from '../http/wire';
import { newImage } from '../state/cloud-state';
import { novaQueryError, novaSchemaError } from '../fixtures/nova-error-response.v2.1';
import {
  serverCreateResponse,
  serverDetail,
  serverListEntry,
  type ServerViewContext,
} from '../fixtures/nova-server-get-resp.v2.1-v2.93';
import { atLeast } from './microversion';
import { placeServer } from './scheduler';
import { metadataSchemaError, serverCreateSchemaError } from './server-create.schema';
import type { ComputeApi } from './compute.service';

const MAX_LIST_LIMIT = 1000;
// Valid `status` filter values (nova/api/openstack/common.py _STATE_MAP keys, upper-cased).
const LISTABLE_STATUSES = new Set([
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PASSWORD',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESCUE',
  'RESIZE',
  'REVERT_RESIZE',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SHUTOFF',
  'SOFT_DELETED',
  'SUSPENDED',
  'UNKNOWN',
  'VERIFY_RESIZE',
]);
const TAG_PATTERN = /^[^,/]*$/;

export class ServersHandlers {
  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    const base = '/v2.1/servers';
    router
      .add('POST', base, (ctx) => this.create(ctx))
      .add('GET', base, (ctx) => this.list(ctx, false))
      .add('GET', `${base}/detail`, (ctx) => this.list(ctx, true))
      .add('GET', `${base}/:id`, (ctx) => this.show(ctx))
      .add('DELETE', `${base}/:id`, (ctx) => this.remove(ctx))
      .add('POST', `${base}/:id/action`, (ctx) => this.action(ctx))
      .add('GET', `${base}/:id/os-instance-actions`, (ctx) => this.instanceActions(ctx))
      .add('GET', `${base}/:id/metadata`, (ctx) =>
        json(200, { metadata: { ...this.find(ctx).metadata } }),
      )
      .add('POST', `${base}/:id/metadata`, (ctx) => this.setMetadata(ctx, false))
      .add('PUT', `${base}/:id/metadata`, (ctx) => this.setMetadata(ctx, true))
      .add('GET', `${base}/:id/metadata/:key`, (ctx) => this.getMetadataItem(ctx))
      .add('PUT', `${base}/:id/metadata/:key`, (ctx) => this.putMetadataItem(ctx))
      .add('DELETE', `${base}/:id/metadata/:key`, (ctx) => this.deleteMetadataItem(ctx))
      .add('GET', `${base}/:id/tags`, (ctx) => json(200, { tags: [...this.taggable(ctx).tags] }))
      .add('PUT', `${base}/:id/tags`, (ctx) => this.replaceTags(ctx))
      .add('DELETE', `${base}/:id/tags`, (ctx) => {
        this.taggable(ctx).tags = [];
        return empty(204);
      })
      .add('GET', `${base}/:id/tags/:tag`, (ctx) => this.checkTag(ctx))
      .add('PUT', `${base}/:id/tags/:tag`, (ctx) => this.addTag(ctx))
      .add('DELETE', `${base}/:id/tags/:tag`, (ctx) => this.deleteTag(ctx))
      .add('GET', '/v2.1/limits', () => this.limits());
  }

  // ---- create --------------------------------------------------------------------------------

  private create(ctx: RouteContext): WireResponse {
    const { state } = this.api.settings;
    const v = this.api.version(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    // 1. Nova's JSON schema, before anything else (a bad imageRef is named before a missing
    //    `networks`; nova/api/validation).
    const schemaError = serverCreateSchemaError(body ?? null, v);
    if (schemaError !== undefined) this.bad(ctx, schemaError);
    const req = (body as { server: Record<string, unknown> }).server;
    const name = req.name as string;
    // 2. The API code (nova/api/openstack/compute/servers.py create), then the compute API.
    const minCount = req.min_count === undefined ? 1 : Number(req.min_count);
    const maxCount = req.max_count === undefined ? minCount : Number(req.max_count);
    if (minCount > maxCount) this.bad(ctx, 'min_count must be <= max_count');
    if (req.imageRef === undefined || req.imageRef === '')
      this.bad(ctx, 'Missing imageRef attribute');
    const flavorId = refId(req.flavorRef);
    const flavor = flavorId !== undefined ? state.flavors.get(flavorId) : undefined;
    if (!flavor) this.bad(ctx, `Flavor ${String(req.flavorRef)} could not be found.`);
    const image = state.images.get(normalUuid(String(req.imageRef)));
    if (!image) this.bad(ctx, 'Can not find requested image');
    if (image.status !== 'active') this.bad(ctx, `Image ${image.id} is not active.`);
    const networkIds = this.resolveNetworks(ctx, req.networks);
    if (typeof req.key_name === 'string' && !state.keypairs.has(req.key_name))
      this.bad(ctx, 'Invalid key_name provided.');
    const securityGroups = this.resolveSecurityGroups(ctx, req.security_groups);
    const userData = typeof req.user_data === 'string' ? req.user_data : null;
    const metadata = this.validateMetadata(ctx, req.metadata, 'metadata');
    const tags = Array.isArray(req.tags) ? [...new Set(req.tags as string[])] : [];
    const zones = new Set(this.api.settings.computeHosts().map((h) => h.zone));
    if (req.availability_zone !== undefined && !zones.has(String(req.availability_zone))) {
      this.bad(ctx, 'The requested availability zone is not available');
    }
    const hints =
      (body as Record<string, unknown>)['os:scheduler_hints'] ??
      (body as Record<string, unknown>)['OS-SCH-HNT:scheduler_hints'];
    const groupHint = isRecord(hints) ? hints.group : undefined;
    let serverGroupId: string | null = null;
    if (groupHint !== undefined) {
      if (typeof groupHint !== 'string' || !UUID_LIKE.test(groupHint))
        this.bad(
          ctx,
          `Invalid input for field/attribute group. Value: ${String(groupHint)}. '${String(groupHint)}' is not a 'uuid'`,
        );
      if (!state.serverGroups.has(groupHint))
        this.bad(ctx, `Instance group ${groupHint} could not be found.`);
      serverGroupId = groupHint;
    }
    return this.createServers(ctx, {
      availabilityZone:
        typeof req.availability_zone === 'string' ? req.availability_zone : undefined,
      serverGroupId,
      name,
      flavor,
      image,
      networkIds,
      keyName: typeof req.key_name === 'string' ? req.key_name : null,
      securityGroups,
      userData,
      metadata,
      tags,
      minCount,
      maxCount,
    });
  }

  private createServers(
    ctx: RouteContext,
    wanted: {
      availabilityZone: string | undefined;
      serverGroupId: string | null;
      name: string;
      flavor: FakeFlavor;
      image: FakeImage;
      networkIds: string[];
      keyName: string | null;
      securityGroups: string[];
      userData: string | null;
      metadata: Record<string, string>;
      tags: string[];
      minCount: number;
      maxCount: number;
    },
  ): WireResponse {
    const { state, quota, credentials, lifecycle } = this.api.settings;
    const { name, flavor, image, networkIds, securityGroups, userData, metadata, tags } = wanted;
    const { minCount, maxCount } = wanted;

    // Quota, checked like Nova: instances, then cores, then ram (nova/quota.py message format).
    // A server in its DELETED phase no longer counts (Nova has released its resources).
    const servers = [...state.servers.values()].filter((s) => s.status !== 'DELETED');
    const usage = {
      instances: servers.length,
      cores: servers.reduce((sum, s) => sum + (state.flavors.get(s.flavorId)?.vcpus ?? 0), 0),
      ram: servers.reduce((sum, s) => sum + (state.flavors.get(s.flavorId)?.ram ?? 0), 0),
    };
    const allowed = Math.min(
      maxCount,
      quota.instances - usage.instances,
      Math.floor((quota.cores - usage.cores) / Math.max(flavor.vcpus, 1)),
      Math.floor((quota.ram - usage.ram) / Math.max(flavor.ram, 1)),
    );
    if (allowed < minCount) {
      const requested = minCount === maxCount ? `${minCount}` : `${minCount}-${maxCount}`;
      const [resource, used, limit] =
        usage.instances + minCount > quota.instances
          ? ['instances', usage.instances, quota.instances]
          : usage.cores + minCount * flavor.vcpus > quota.cores
            ? ['cores', usage.cores, quota.cores]
            : ['ram', usage.ram, quota.ram];
      const requestedAmount =
        resource === 'instances'
          ? requested
          : String(minCount * (resource === 'cores' ? flavor.vcpus : flavor.ram));
      this.api.fail(
        403,
        `Quota exceeded for ${resource}: Requested ${requestedAmount}, but already used ${used} of ${limit} ${resource}`,
        ctx,
      );
    }

    const now = Date.now();
    const created: FakeServer[] = [];
    const group = wanted.serverGroupId ? state.serverGroups.get(wanted.serverGroupId) : undefined;
    for (let i = 1; i <= allowed; i += 1) {
      const living = [...state.servers.values()].filter(
        (s) => s.status !== 'DELETED' && !lifecycle.isDeleting(s.id),
      );
      const placement = placeServer(
        this.api.settings.computeHosts(),
        wanted.availabilityZone,
        group,
        living,
      );
      const host = 'host' in placement ? placement.host : undefined;
      const fault =
        'fault' in placement
          ? placement.fault
          : host?.failBuilds
            ? { code: host.failBuilds.code ?? 500, message: host.failBuilds.message }
            : null;
      const server: FakeServer = {
        serverGroupId: wanted.serverGroupId,
        host: host?.name,
        scheduleFault: fault,
        id: randomUUID(),
        name: allowed > 1 ? `${name}-${i}` : name,
        status: 'BUILD',
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        imageId: image.id,
        flavorId: flavor.id,
        keyName: wanted.keyName,
        securityGroups,
        networkIds,
        metadata,
        tags,
        userData,
        availabilityZone: host?.zone ?? wanted.availabilityZone ?? '',
        adminPass: randomBytes(9).toString('base64url').slice(0, 12),
        addresses: {},
        fault: null,
        consoleOutput: '',
        created: timestamps.seconds(now),
        updated: timestamps.seconds(now),
        launchedAt: null,
        // Nova's hostId: sha224 of the project and the host (the same host shows the same id).
        hostId: host
          ? createHash('sha224')
              .update(credentials.projectId + host.name)
              .digest('hex')
          : '',
        tenantId: credentials.projectId,
        userId: credentials.userId,
        createdAtMs: now,
        activeAtMs: null,
        pollCount: 0,
      };
      state.servers.set(server.id, server);
      lifecycle.recordAction(server, 'create', ctx.requestId, now);
      lifecycle.advanceServer(server, now);
      created.push(server);
    }
    const first = created[0];
    const urls = this.api.urls(ctx);
    return json(202, serverCreateResponse(first, urls), {
      Location: `${urls.computeUrl}/servers/${first.id}`,
    });
  }

  /** Network ids to attach; the shape was checked by the schema already. */
  private resolveNetworks(ctx: RouteContext, networks: unknown): string[] {
    const { state } = this.api.settings;
    const v = this.api.version(ctx);
    const firstTenantNetwork = (): string[] => {
      const net = [...state.networks.values()].find((n) => !n.external);
      return net ? [net.id] : [];
    };
    if (networks === undefined || networks === 'auto') return firstTenantNetwork();
    if (networks === 'none' || !Array.isArray(networks)) return [];
    if (atLeast(v, '2.37') && networks.length === 0)
      this.bad(ctx, novaSchemaError('networks', networks, '[] is too short'));
    return networks.map((entry: Record<string, unknown>) => {
      // nova/api/openstack/compute/servers.py _get_requested_networks.
      if (typeof entry.port === 'string') {
        const port = state.ports.get(entry.port);
        if (!port) this.bad(ctx, `Port ${entry.port} could not be found.`);
        if (port.deviceId) this.api.fail(409, `Port ${entry.port} is still in use.`, ctx);
        return port.networkId;
      }
      if (typeof entry.uuid !== 'string') this.bad(ctx, "Bad network format: missing 'uuid'");
      if (!UUID_LIKE.test(entry.uuid))
        this.bad(ctx, `Bad networks format: network uuid is not in proper format (${entry.uuid})`);
      const id = normalUuid(entry.uuid);
      if (!state.networks.has(id)) this.bad(ctx, `Network ${entry.uuid} could not be found.`);
      return id;
    });
  }

  /** Group names; entries without a name are skipped, as Nova does. */
  private resolveSecurityGroups(ctx: RouteContext, groups: unknown): string[] {
    if (!Array.isArray(groups)) return ['default'];
    const known = [...this.api.settings.state.securityGroups.values()];
    const names = [
      ...new Set(
        groups
          .map((entry: Record<string, unknown>) => entry.name)
          .filter((ref): ref is string => typeof ref === 'string' && ref !== ''),
      ),
    ];
    if (names.length === 0) return ['default'];
    return names.map((ref) => {
      const group = known.find((g) => g.name === ref || g.id === ref);
      if (!group) this.bad(ctx, `Unable to find security_group with name or id '${ref}'`);
      return group.name;
    });
  }

  private validateMetadata(
    ctx: RouteContext,
    metadata: unknown,
    field: string,
  ): Record<string, string> {
    if (metadata === undefined) return {};
    const error = metadataSchemaError(metadata, field);
    if (error !== undefined) this.bad(ctx, error);
    const entries = Object.entries(metadata as Record<string, string>);
    if (entries.length > 128)
      this.api.fail(
        403,
        'Quota exceeded for metadata_items: Requested ' +
          entries.length +
          ', but already used 0 of 128 metadata_items',
        ctx,
      );
    return Object.fromEntries(entries);
  }

  private validateTags(ctx: RouteContext, tags: unknown): string[] {
    if (!Array.isArray(tags))
      this.bad(ctx, novaSchemaError('tags', tags, "is not of type 'array'"));
    if (tags.length > 50) this.bad(ctx, novaSchemaError('tags', tags, 'is too long'));
    for (const tag of tags) this.checkTagText(ctx, tag);
    return [...new Set(tags as string[])];
  }

  private checkTagText(ctx: RouteContext, tag: unknown): void {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > 60 || !TAG_PATTERN.test(tag)) {
      this.bad(
        ctx,
        `Tag '${String(tag)}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: '${String(tag)}' does not match '^[^,/]*$'`,
      );
    }
  }

  // ---- read ----------------------------------------------------------------------------------

  private show(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    const body = { server: serverDetail(server, this.viewContext(ctx, server)) };
    // Counted after answering: pollsUntilActive = N means N answers of BUILD first.
    server.pollCount += 1;
    return json(200, body);
  }

  private list(ctx: RouteContext, detail: boolean): WireResponse {
    const { state, lifecycle } = this.api.settings;
    const v = this.api.version(ctx);
    lifecycle.advanceAllServers();
    const q = ctx.query;
    const changesSince = q.get('changes-since');
    // With changes-since Nova also lists servers destroyed since then, as DELETED (its
    // soft-deleted rows); without it they are gone (api-ref "List Servers", changes-since).
    const candidates = [
      ...state.servers.values(),
      ...(changesSince !== null ? lifecycle.destroyedServers() : []),
    ];
    let servers = candidates.sort(
      (a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1),
    );
    const name = q.get('name');
    if (name !== null) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(name);
      } catch {
        this.bad(ctx, `Invalid regular expression in name filter: ${name}`);
      }
      servers = servers.filter((s) => pattern.test(s.name));
    }
    const status = q.get('status');
    if (status !== null) {
      const wanted = status.toUpperCase();
      if (!LISTABLE_STATUSES.has(wanted)) this.bad(ctx, 'Invalid status value');
      servers = servers.filter((s) => s.status === wanted);
    }
    for (const [key, field] of [
      ['image', 'imageId'],
      ['flavor', 'flavorId'],
    ] as const) {
      const value = q.get(key);
      if (value !== null) servers = servers.filter((s) => s[field] === value);
    }
    if (changesSince !== null) {
      const since = Date.parse(changesSince);
      if (Number.isNaN(since))
        this.bad(
          ctx,
          novaQueryError('changes-since', changesSince, `'${changesSince}' is not a 'date-time'`),
        );
      servers = servers.filter((s) => Date.parse(s.updated) >= since);
    }
    if (atLeast(v, '2.26')) {
      const split = (key: string): string[] | null =>
        q.get(key) === null ? null : (q.get(key) ?? '').split(',').filter(Boolean);
      const all = split('tags');
      const any = split('tags-any');
      const notAll = split('not-tags');
      const notAny = split('not-tags-any');
      servers = servers.filter(
        (s) =>
          (!all || all.every((t) => s.tags.includes(t))) &&
          (!any || any.some((t) => s.tags.includes(t))) &&
          (!notAll || !notAll.every((t) => s.tags.includes(t))) &&
          (!notAny || !notAny.some((t) => s.tags.includes(t))),
      );
    }
    const limitText = q.get('limit');
    let limit = MAX_LIST_LIMIT;
    if (limitText !== null) {
      if (!/^-?\d+$/.test(limitText))
        this.bad(
          ctx,
          novaQueryError('limit', limitText, `'${limitText}' does not match '^[0-9]*$'`),
        );
      limit = Math.min(Number(limitText), MAX_LIST_LIMIT);
      if (limit < 0) this.bad(ctx, 'limit param must be positive');
    }
    const marker = q.get('marker');
    if (marker !== null) {
      const index = servers.findIndex((s) => s.id === marker);
      if (index < 0) this.bad(ctx, `marker [${marker}] not found`);
      servers = servers.slice(index + 1);
    }
    const page = servers.slice(0, limit);
    const urls = this.api.urls(ctx);
    const body: Record<string, unknown> = {
      servers: page.map((s) =>
        detail ? serverDetail(s, this.viewContext(ctx, s)) : serverListEntry(s, urls),
      ),
    };
    if (page.length > 0 && page.length === limit) {
      const next = new URLSearchParams(ctx.query);
      next.set('limit', String(limit));
      next.set('marker', page[page.length - 1].id);
      body.servers_links = [
        {
          rel: 'next',
          href: `${urls.computeUrl}/servers${detail ? '/detail' : ''}?${next.toString()}`,
        },
      ];
    }
    return json(200, body);
  }

  private remove(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    this.api.settings.lifecycle.requestDelete(server);
    return empty(204);
  }

  // ---- actions -------------------------------------------------------------------------------

  private action(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    if (!isRecord(body) || Object.keys(body).length !== 1) this.bad(ctx, 'Malformed request body');
    const [name, args] = Object.entries(body)[0];
    const { lifecycle } = this.api.settings;
    switch (name) {
      case 'os-stop':
        if (server.vmState !== 'active' || server.taskState !== null)
          this.invalidState(ctx, server, 'stop');
        lifecycle.recordAction(server, 'stop', ctx.requestId);
        lifecycle.requestPower(server, 'stop');
        return empty(202);
      case 'os-start':
        if (server.vmState === 'error' || server.vmState === 'building') {
          this.api.fail(409, `Instance ${server.id} is not ready`, ctx);
        }
        if (server.vmState !== 'stopped' || server.taskState !== null)
          this.invalidState(ctx, server, 'start');
        lifecycle.recordAction(server, 'start', ctx.requestId);
        lifecycle.requestPower(server, 'start');
        return empty(202);
      case 'shelve':
        // Nova's shelve: ACTIVE, SHUTOFF, PAUSED or SUSPENDED, and no task running
        // (api-ref "Shelve Server (shelve Action)", Preconditions); body {"shelve": null}.
        if (
          !['active', 'stopped', 'paused', 'suspended'].includes(server.vmState) ||
          server.taskState !== null
        )
          this.invalidState(ctx, server, 'shelve');
        lifecycle.recordAction(server, 'shelve', ctx.requestId);
        lifecycle.requestPower(server, 'shelve');
        return empty(202);
      case 'unshelve':
        // {"unshelve": null} (2.77+ may carry an availability_zone object; accepted and ignored here).
        if (args !== null && !isRecord(args))
          this.bad(ctx, novaSchemaError('unshelve', args, "is not of type 'object', 'null'"));
        if (server.vmState !== 'shelved_offloaded' || server.taskState !== null)
          this.invalidState(ctx, server, 'unshelve');
        lifecycle.recordAction(server, 'unshelve', ctx.requestId);
        lifecycle.requestPower(server, 'unshelve');
        return empty(202);
      case 'reboot':
        if (server.vmState !== 'active' && server.vmState !== 'stopped')
          this.invalidState(ctx, server, 'reboot');
        lifecycle.setStatus(server, 'ACTIVE');
        return empty(202);
      case 'createImage':
        return this.createImage(ctx, server, args);
      case 'os-getConsoleOutput':
        return this.consoleOutput(ctx, server, args);
      default:
        return this.bad(ctx, `There is no such action: ${name}`);
    }
  }

  /**
   * GET /servers/{id}/os-instance-actions, newest first, as Nova lists them: `updated_at` from 2.58
   * (when the action's last event finished; its start while it runs).
   */
  private instanceActions(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    const withUpdated = atLeast(this.api.version(ctx), '2.58');
    const instanceActions = [...(server.actions ?? [])].reverse().map((entry) => ({
      action: entry.action,
      instance_uuid: server.id,
      message: null,
      project_id: server.tenantId,
      request_id: entry.requestId,
      start_time: timestamps.novaMicro(entry.startMs),
      user_id: server.userId,
      ...(withUpdated ? { updated_at: timestamps.novaMicro(entry.finishMs ?? entry.startMs) } : {}),
    }));
    return json(200, { instanceActions });
  }

  private createImage(ctx: RouteContext, server: FakeServer, args: unknown): WireResponse {
    const { state, credentials, lifecycle, endpoints } = this.api.settings;
    if (!isRecord(args) || typeof args.name !== 'string' || args.name.trim() === '') {
      this.bad(ctx, novaSchemaError('createImage', args ?? null, "'name' is a required property"));
    }
    const metadata = this.validateMetadata(ctx, args.metadata, 'metadata');
    if (
      !['active', 'stopped', 'paused', 'suspended'].includes(server.vmState) ||
      server.taskState !== null
    ) {
      this.invalidState(ctx, server, 'createImage');
    }
    const base: FakeImage | undefined = state.images.get(server.imageId);
    const flavor = state.flavors.get(server.flavorId);
    const image = newImage({
      name: args.name,
      owner: credentials.projectId,
      visibility: 'private',
      diskFormat: base?.diskFormat ?? 'qcow2',
      containerFormat: 'bare',
      minDisk: flavor?.disk ?? 0,
      // What Nova copies onto a snapshot (nova/compute/api.py _create_image + image_meta).
      properties: {
        ...(base?.properties ?? {}),
        ...metadata,
        base_image_ref: server.imageId,
        owner_user_name: credentials.username,
        owner_project_name: credentials.projectName,
        boot_roles: 'reader,member',
        instance_uuid: server.id,
        user_id: credentials.userId,
        image_type: 'snapshot',
        image_state: 'available',
        owner_id: credentials.projectId,
        image_location: 'snapshot',
      },
    });
    state.images.set(image.id, image);
    lifecycle.startSnapshot(image, server);
    if (atLeast(this.api.version(ctx), '2.45')) return json(202, { image_id: image.id });
    // Before 2.45 the id only travels in Location, on the image endpoint without /v2
    // (captures/nova/35-server-createImage-2.1.txt).
    return empty(202, {
      Location: `${endpoints().image}/images/${image.id}`,
      'Content-Type': 'text/html; charset=UTF-8',
    });
  }

  private consoleOutput(ctx: RouteContext, server: FakeServer, args: unknown): WireResponse {
    if (args !== null && !isRecord(args))
      this.bad(ctx, novaSchemaError('os-getConsoleOutput', args, "is not of type 'object'"));
    const lengthArg = isRecord(args) ? args.length : undefined;
    let length: number | null = null;
    if (lengthArg !== undefined && lengthArg !== null) {
      const n = typeof lengthArg === 'string' ? Number(lengthArg) : lengthArg;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) {
        this.bad(
          ctx,
          novaSchemaError(
            'length',
            lengthArg,
            `${JSON.stringify(lengthArg)} is not of type 'integer'`,
          ),
        );
      }
      length = n === -1 ? null : n;
    }
    if (server.vmState !== 'active') this.invalidState(ctx, server, 'get_console_output');
    const text = this.api.settings.lifecycle.consoleOutput(server);
    return json(200, { output: length === null ? text : lastLines(text, length) });
  }

  // ---- metadata and tags ---------------------------------------------------------------------

  private setMetadata(ctx: RouteContext, replace: boolean): WireResponse {
    const server = this.find(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    const metadata = this.validateMetadata(
      ctx,
      isRecord(body) ? body.metadata : undefined,
      'metadata',
    );
    if (!isRecord(body) || !isRecord(body.metadata))
      this.bad(ctx, "'metadata' is a required property");
    server.metadata = replace ? metadata : { ...server.metadata, ...metadata };
    server.updated = timestamps.seconds();
    return json(200, { metadata: { ...server.metadata } });
  }

  private getMetadataItem(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    const key = ctx.params.key;
    if (!(key in server.metadata)) this.api.fail(404, 'Metadata item was not found', ctx);
    return json(200, { meta: { [key]: server.metadata[key] } });
  }

  private putMetadataItem(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    const meta = isRecord(body) && isRecord(body.meta) ? body.meta : undefined;
    if (!meta || Object.keys(meta).length !== 1)
      this.bad(ctx, 'Request body contains too many items');
    if (!(ctx.params.key in meta)) this.bad(ctx, 'Request body and URI mismatch');
    const value = this.validateMetadata(ctx, meta, 'meta')[ctx.params.key];
    server.metadata[ctx.params.key] = value;
    return json(200, { meta: { [ctx.params.key]: value } });
  }

  private deleteMetadataItem(ctx: RouteContext): WireResponse {
    const server = this.find(ctx);
    if (!(ctx.params.key in server.metadata))
      this.api.fail(404, 'Metadata item was not found', ctx);
    delete server.metadata[ctx.params.key];
    return empty(204);
  }

  private taggable(ctx: RouteContext): FakeServer {
    // Below 2.26 the tags routes do not exist (captures/nova/30c-server-tag-put-2.1.txt).
    if (!atLeast(this.api.version(ctx), '2.26'))
      this.api.fail(404, 'The resource could not be found.', ctx);
    return this.find(ctx);
  }

  private replaceTags(ctx: RouteContext): WireResponse {
    const server = this.taggable(ctx);
    const body = parseJsonBody(ctx, () => this.api.error(400, 'Malformed request body', ctx));
    if (!isRecord(body)) this.bad(ctx, "'tags' is a required property");
    server.tags = this.validateTags(ctx, body.tags).sort();
    return json(200, { tags: [...server.tags] });
  }

  private checkTag(ctx: RouteContext): WireResponse {
    const server = this.taggable(ctx);
    if (!server.tags.includes(ctx.params.tag))
      this.api.fail(404, `Server ${server.id} has no tag '${ctx.params.tag}'`, ctx);
    return empty(204);
  }

  private addTag(ctx: RouteContext): WireResponse {
    const server = this.taggable(ctx);
    const tag = ctx.params.tag;
    this.checkTagText(ctx, tag);
    // Both answers are empty text/html (captures/nova/30-server-tag-put-2.26.txt, 30b-…-again.txt).
    const html = { 'Content-Type': 'text/html; charset=UTF-8' };
    if (server.tags.includes(tag)) return empty(204, html);
    if (server.tags.length >= 50)
      this.bad(ctx, `The number of tags exceeded the per-server limit 50`);
    server.tags.push(tag);
    const { computeUrl } = this.api.urls(ctx);
    return empty(201, {
      ...html,
      Location: `${computeUrl}/servers/${server.id}/tags/${encodeURIComponent(tag)}`,
    });
  }

  private deleteTag(ctx: RouteContext): WireResponse {
    const server = this.taggable(ctx);
    const index = server.tags.indexOf(ctx.params.tag);
    if (index < 0) this.api.fail(404, `Server ${server.id} has no tag '${ctx.params.tag}'`, ctx);
    server.tags.splice(index, 1);
    return empty(204);
  }

  private limits(): WireResponse {
    const { state, quota, lifecycle } = this.api.settings;
    lifecycle.advanceAllServers();
    const servers = [...state.servers.values()].filter((s) => s.status !== 'DELETED');
    return json(200, {
      limits: {
        rate: [],
        absolute: {
          maxTotalInstances: quota.instances,
          maxTotalCores: quota.cores,
          maxTotalRAMSize: quota.ram,
          maxServerMeta: 128,
          maxTotalKeypairs: 100,
          maxServerGroups: 10,
          maxServerGroupMembers: 10,
          totalRAMUsed: servers.reduce(
            (sum, s) => sum + (state.flavors.get(s.flavorId)?.ram ?? 0),
            0,
          ),
          totalCoresUsed: servers.reduce(
            (sum, s) => sum + (state.flavors.get(s.flavorId)?.vcpus ?? 0),
            0,
          ),
          totalInstancesUsed: servers.length,
          totalServerGroupsUsed: state.serverGroups.size,
        },
      },
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private find(ctx: RouteContext): FakeServer {
    const { state, lifecycle } = this.api.settings;
    const server = state.servers.get(ctx.params.id);
    if (!server || !lifecycle.advanceServer(server)) {
      this.api.fail(404, `Instance ${ctx.params.id} could not be found.`, ctx);
    }
    return server;
  }

  private viewContext(ctx: RouteContext, server: FakeServer): ServerViewContext {
    const { state, lifecycle } = this.api.settings;
    return {
      ...this.api.urls(ctx),
      version: this.api.version(ctx),
      flavor: state.flavors.get(server.flavorId),
      addresses: lifecycle.addressesOf(server),
    };
  }

  private invalidState(ctx: RouteContext, server: FakeServer, action: string): never {
    const message =
      server.taskState !== null
        ? `Cannot '${action}' instance ${server.id} while it is in task_state ${server.taskState}`
        : `Cannot '${action}' instance ${server.id} while it is in vm_state ${server.vmState}`;
    return this.api.fail(409, message, ctx);
  }

  private bad(ctx: RouteContext, message: string): never {
    return this.api.fail(400, message, ctx);
  }
}

/** The last `count` lines of console text, as Nova's `length` argument selects them. */
function lastLines(text: string, count: number): string {
  if (count === 0) return '';
  const lines = text.split(/(?<=\n)/);
  return lines.slice(-count).join('');
}

/** Nova's uuidutils.is_uuid_like: hyphens, braces and a urn:uuid: prefix are optional. */
const UUID_LIKE =
  /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/** The canonical (lower-case, hyphenated) form of a UUID-like reference. */
function normalUuid(ref: string): string {
  const hex = ref
    .toLowerCase()
    .replace(/^urn:uuid:/, '')
    .replace(/[{}-]/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) return ref;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A flavorRef may be an id or a link ending in the id. */
function refId(ref: unknown): string | undefined {
  if (typeof ref === 'number') return String(ref);
  if (typeof ref !== 'string' || ref === '') return undefined;
  return ref.includes('/') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
}
