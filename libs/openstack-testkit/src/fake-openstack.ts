// FakeOpenStack: one loopback HTTP server speaking a Keystone v3 / Nova v2.1 / Glance v2 /
// Neutron v2.0 subset under path prefixes (/identity, /compute, /image, /network), with state a
// test can read and seed, server lifecycle behaviours, fault injection and a call log.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type {
  CallRecord,
  FakeCloudState,
  FakeComputeHost,
  FakeCredentials,
  FakeEndpoints,
  FakeOpenStackOptions,
  FakeQuota,
  FaultHandle,
  FaultRule,
  FakeServer,
  FakeLbStats,
  ImageBehaviour,
  OctaviaBehaviour,
  ServerBehaviour,
  ServiceName,
} from './fake-openstack.types';
import { seedServerRecord } from './state/seed-server';
import { emptyState, seedState } from './state/cloud-state';
import { cloudProfile } from './state/cloud-profile';
import { ServerBehaviourRegistry } from './state/server-behaviour-registry';
import { CloudLifecycle } from './state/cloud-lifecycle';
import { TokenStore } from './identity/token-store';
import { IdentityService } from './identity/identity.service';
import type { FakeApplicationCredential } from './fixtures/keystone-application-credential-response.v3';
import { FakeServiceBase } from './http/service-base';
import { FaultInjector } from './http/fault-injector';
import { filterCalls, maskHeaders, queryRecord, recordedBody } from './http/call-log';
import {
  hex,
  newRequestId,
  type WireHeaders,
  type WireRequest,
  type WireResponse,
} from './http/wire';
import { ComputeService } from './compute/compute.service';
import { ImageService } from './image/image.service';
import { NetworkService } from './network/network.service';
import { OctaviaService } from './load-balancer/octavia.service';
import { OctaviaProvisioning } from './load-balancer/octavia-provisioning';

const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Ports a real OpenStack may hold on this machine; the fake never listens on them. */
const RESERVED_PORTS = new Set([5000, 8774, 9292, 9696, 8778, 3306, 5672]);

export interface CredentialsFileOptions {
  /** Which Keystone method the file/variables use (default password). */
  auth?: 'password' | 'application_credential';
  /**
   * Whose credentials: the project member (default, like the devcloud's `demo`) or the cloud
   * admin (like `devcloud-admin`; password only).
   */
  user?: 'member' | 'admin';
}

export class FakeOpenStack {
  readonly state: FakeCloudState = emptyState();
  /** Quotas enforced on create; change them at any time (e.g. `cloud.quota.instances = 1`). */
  readonly quota: FakeQuota;
  /**
   * The compute hosts Nova's scheduler places servers on, with their availability zones. One
   * host in `nova` by default (like the devcloud: hard anti-affinity fits one member). Replace
   * or edit it at any time, e.g. `cloud.computeHosts.push({ name: 'h2', zone: 'az2' })`.
   */
  readonly computeHosts: FakeComputeHost[] = [{ name: 'fake-compute-1', zone: 'nova' }];
  private readonly callLog: CallRecord[] = [];
  private readonly faults = new FaultInjector();
  private readonly behaviours: ServerBehaviourRegistry;
  private readonly tokens: TokenStore;
  private readonly lifecycle: CloudLifecycle;
  private readonly octavia: OctaviaProvisioning;
  private readonly services: FakeServiceBase[];
  private readonly identity: IdentityService;
  private readonly sockets = new Set<Socket>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private listenOrigin = '';

  private constructor(
    private readonly server: Server,
    private readonly options: Required<Omit<FakeOpenStackOptions, 'credentials'>>,
    readonly credentials: FakeCredentials,
    /**
     * The cloud admin: user `admin` in project `admin` with the admin role (the project that owns
     * the seeded `ubuntu` image). It sees the same resources as the member; it differs where
     * policy does, e.g. only it may change quotas (PUT os-quota-sets, PUT /v2.0/quotas).
     */
    readonly adminCredentials: FakeCredentials,
  ) {
    const profile = cloudProfile(options.profile);
    this.quota = { ...profile.quota };
    this.behaviours = new ServerBehaviourRegistry(profile.serverTiming);
    this.tokens = new TokenStore(options.tokenTtlMs);
    // The devcloud's services cannot enforce access rules (see TokenStore.accessRules).
    if (options.profile === 'devcloud') this.tokens.accessRules = 'unsupported';
    const identity = new IdentityService(this.tokens, () => ({
      credentials: this.credentials,
      adminCredentials: this.adminCredentials,
      endpoints: this.endpoints,
      region: this.options.region,
    }));
    this.lifecycle = new CloudLifecycle(this.state, this.behaviours, this.credentials, (ms, run) =>
      this.runLater(ms, run),
    );
    const compute = new ComputeService(this.tokens, {
      state: this.state,
      quota: this.quota,
      credentials: this.credentials,
      lifecycle: this.lifecycle,
      maxMicroversion: options.computeMaxMicroversion,
      endpoints: () => this.endpoints,
      computeHosts: () => this.computeHosts,
    });
    const image = new ImageService(this.tokens, {
      state: this.state,
      credentials: this.credentials,
      lifecycle: this.lifecycle,
    });
    const network = new NetworkService(this.tokens, {
      state: this.state,
      quota: this.quota,
      credentials: this.credentials,
      lifecycle: this.lifecycle,
      l3: options.networkL3,
      loopbackSubnetsOnly: profile.loopbackSubnetsOnly,
    });
    this.identity = identity;
    this.octavia = new OctaviaProvisioning(this.state);
    const loadBalancer = new OctaviaService(this.tokens, {
      state: this.state,
      credentials: this.credentials,
      lifecycle: this.lifecycle,
      provisioning: this.octavia,
    });
    this.services = [identity, compute, image, network, loadBalancer];
  }

  /**
   * Whether the services enforce the access rules of application credentials (`enforced`, the
   * default) or refuse every call of such a token with 401 (`unsupported`, as on the devcloud).
   */
  get accessRules(): 'enforced' | 'unsupported' {
    return this.tokens.accessRules;
  }

  set accessRules(mode: 'enforced' | 'unsupported') {
    this.tokens.accessRules = mode;
  }

  /**
   * Application credentials created through the Keystone API (secrets included, so a test can
   * check none leaked); the seeded one is in `credentials`.
   */
  applicationCredentials(): FakeApplicationCredential[] {
    return [...this.identity.applicationCredentials.credentials.values()];
  }

  /** Start a fake on an ephemeral loopback port, seeded and ready. */
  static async start(options: FakeOpenStackOptions = {}): Promise<FakeOpenStack> {
    const host = options.host ?? '127.0.0.1';
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
      throw new Error(
        `FakeOpenStack.start(): host must be a loopback IPv4 address (127.x.y.z), got ${JSON.stringify(host)}`,
      );
    }
    const profileName = options.profile ?? 'reference';
    if (profileName !== 'reference' && profileName !== 'devcloud') {
      throw new Error(
        `FakeOpenStack.start(): profile must be 'reference' or 'devcloud', got ${JSON.stringify(profileName)}`,
      );
    }
    const resolved = {
      host,
      region: options.region ?? 'RegionOne',
      tokenTtlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      computeMaxMicroversion: options.computeMaxMicroversion ?? '2.93',
      profile: profileName,
      networkL3: options.networkL3 ?? cloudProfile(profileName).networkL3,
    };
    if (!/^2\.\d+$/.test(resolved.computeMaxMicroversion)) {
      throw new Error(
        `FakeOpenStack.start(): computeMaxMicroversion must look like 2.N, got ${resolved.computeMaxMicroversion}`,
      );
    }
    if (!(resolved.tokenTtlMs > 0)) {
      throw new Error(`FakeOpenStack.start(): tokenTtlMs must be > 0, got ${resolved.tokenTtlMs}`);
    }
    const credentials: FakeCredentials = {
      authUrl: '',
      region: resolved.region,
      username: options.credentials?.username ?? 'demo',
      userId: hex(32),
      // Random per fake so a test can grep logs for the password and prove it never leaks.
      password: options.credentials?.password ?? `pw-${randomBytes(12).toString('hex')}`,
      userDomainName: 'Default',
      userDomainId: 'default',
      projectName: options.credentials?.projectName ?? 'demo',
      projectId: hex(32),
      projectDomainName: 'Default',
      projectDomainId: 'default',
      applicationCredentialId: hex(32),
      applicationCredentialName: 'fake-app-cred',
      applicationCredentialSecret: `acs-${randomBytes(24).toString('base64url')}`,
    };
    const adminCredentials: FakeCredentials = {
      ...credentials,
      username: 'admin',
      userId: hex(32),
      password: `pw-${randomBytes(12).toString('hex')}`,
      projectName: 'admin',
      projectId: hex(32),
      applicationCredentialId: hex(32),
      applicationCredentialName: 'fake-admin-app-cred',
      applicationCredentialSecret: `acs-${randomBytes(24).toString('base64url')}`,
    };
    const server = createServer();
    const fake = new FakeOpenStack(server, resolved, credentials, adminCredentials);
    await fake.listen();
    seedState(
      fake.state,
      credentials.projectId,
      adminCredentials.projectId,
      cloudProfile(profileName).seed,
    );
    return fake;
  }

  /** http://127.0.0.1:PORT: every service lives under it (/identity, /compute, /image, /network). */
  get origin(): string {
    return this.listenOrigin;
  }

  /** Keystone auth URL without /v3 (clients append it; /identity/v3 is served too). */
  get authUrl(): string {
    return `${this.listenOrigin}/identity`;
  }

  /** Service base URLs exactly as listed in the token's catalog. */
  get endpoints(): FakeEndpoints {
    return {
      // Keystone Zed lists its own endpoint as .../v3/ with a trailing slash (captures/keystone/03-*).
      identity: `${this.listenOrigin}/identity/v3/`,
      compute: `${this.listenOrigin}/compute/v2.1`,
      image: `${this.listenOrigin}/image`,
      network: `${this.listenOrigin}/network`,
      'load-balancer': `${this.listenOrigin}/load-balancer`,
    };
  }

  get region(): string {
    return this.options.region;
  }

  /** A clouds.yaml text for these credentials. */
  cloudsYaml(cloudName = 'fake', options: CredentialsFileOptions = {}): string {
    const c = this.credentialsFor('cloudsYaml', options);
    const q = (value: string): string => JSON.stringify(value);
    const auth =
      options.auth === 'application_credential'
        ? [
            `      auth_url: ${q(this.authUrl)}`,
            `      application_credential_id: ${q(c.applicationCredentialId)}`,
            `      application_credential_secret: ${q(c.applicationCredentialSecret)}`,
          ]
        : [
            `      auth_url: ${q(this.authUrl)}`,
            `      username: ${q(c.username)}`,
            `      password: ${q(c.password)}`,
            `      project_name: ${q(c.projectName)}`,
            `      user_domain_name: ${q(c.userDomainName)}`,
            `      project_domain_name: ${q(c.projectDomainName)}`,
          ];
    return [
      'clouds:',
      `  ${q(cloudName)}:`,
      ...(options.auth === 'application_credential'
        ? ['    auth_type: "v3applicationcredential"']
        : []),
      '    auth:',
      ...auth,
      `    region_name: ${q(this.options.region)}`,
      '    interface: "public"',
      '    identity_api_version: 3',
      '',
    ].join('\n');
  }

  /** OS_* variables exactly as an openrc (or `microstack config`) sets them. */
  openrcEnv(options: CredentialsFileOptions = {}): Record<string, string> {
    const c = this.credentialsFor('openrcEnv', options);
    const common = {
      OS_AUTH_URL: this.authUrl,
      OS_REGION_NAME: this.options.region,
      OS_INTERFACE: 'public',
      OS_IDENTITY_API_VERSION: '3',
    };
    if (options.auth === 'application_credential') {
      return {
        ...common,
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: c.applicationCredentialId,
        OS_APPLICATION_CREDENTIAL_SECRET: c.applicationCredentialSecret,
      };
    }
    return {
      ...common,
      OS_USERNAME: c.username,
      OS_PASSWORD: c.password,
      OS_PROJECT_NAME: c.projectName,
      OS_USER_DOMAIN_NAME: c.userDomainName,
      OS_PROJECT_DOMAIN_NAME: c.projectDomainName,
    };
  }

  private credentialsFor(caller: string, options: CredentialsFileOptions): FakeCredentials {
    const user = options.user ?? 'member';
    if (user !== 'member' && user !== 'admin')
      throw new Error(`${caller}(): user must be 'member' or 'admin', got ${JSON.stringify(user)}`);
    if (user === 'admin' && options.auth === 'application_credential') {
      throw new Error(
        `${caller}(): the admin user has no application credential; use auth: 'password'`,
      );
    }
    return user === 'admin' ? this.adminCredentials : this.credentials;
  }

  /**
   * How new (and existing) servers boot. Without `namePrefix` this replaces the default; with it,
   * it replaces the override for names starting with that prefix (merged over the default).
   */
  setServerBehaviour(behaviour: ServerBehaviour, options: { namePrefix?: string } = {}): void {
    this.behaviours.set(behaviour, options.namePrefix);
  }

  resetServerBehaviour(): void {
    this.behaviours.reset();
  }

  /** How Nova snapshots (createImage) progress in Glance. Replaces the previous setting. */
  setImageBehaviour(behaviour: ImageBehaviour): void {
    this.lifecycle.imageBehaviour = { ...behaviour };
  }

  /** How the fake Octavia provider applies changes. Replaces the previous setting. */
  setOctaviaBehaviour(behaviour: OctaviaBehaviour): void {
    const delay = behaviour.provisioningDelayMs;
    if (delay !== undefined && !(delay >= 0 && Number.isFinite(delay)))
      throw new Error(
        `setOctaviaBehaviour(): provisioningDelayMs must be a finite number >= 0, got ${delay}`,
      );
    this.octavia.behaviour = { ...behaviour };
    this.octavia.refreshOperatingStatuses();
  }

  /**
   * Adds traffic to a listener's counters as the amphora would report it: `totalConnections`
   * and the bytes grow by the given amounts; `activeConnections` is set. What
   * `GET .../stats` of the listener and its load balancer then answer.
   */
  addListenerTraffic(listenerId: string, traffic: Partial<FakeLbStats>): void {
    const listener = this.state.listeners.get(listenerId);
    if (!listener) throw new Error(`addListenerTraffic(): no listener with id ${listenerId}`);
    const s = listener.stats;
    s.totalConnections += traffic.totalConnections ?? 0;
    s.bytesIn += traffic.bytesIn ?? 0;
    s.bytesOut += traffic.bytesOut ?? 0;
    s.requestErrors += traffic.requestErrors ?? 0;
    if (traffic.activeConnections !== undefined) s.activeConnections = traffic.activeConnections;
  }

  /**
   * Put a server into the cloud as if it had been created earlier (e.g. before a controller
   * restart). Defaults: ACTIVE on the first tenant network with an allocated address, the
   * `ubuntu` image and `m1.small`; any field can be overridden. Returns the live record.
   */
  seedServer(fields: Partial<FakeServer> & { name: string }): FakeServer {
    return seedServerRecord(this.state, this.lifecycle, this.credentials, fields);
  }

  /** Text returned by os-getConsoleOutput for this server. */
  setConsoleOutput(serverId: string, text: string): void {
    const server = this.state.servers.get(serverId);
    if (!server) throw new Error(`setConsoleOutput(): no server with id ${serverId}`);
    server.consoleOutput = text;
  }

  /** Inject a fault; it stays until `times` requests were affected or `remove()`/`clearFaults()`. */
  inject(rule: FaultRule): FaultHandle {
    return this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every token issued so far stops being valid: the next request with one gets 401. */
  expireAllTokens(): void {
    this.tokens.expireAll();
  }

  /** Number of tokens Keystone issued (i.e. successful authentications). */
  get tokensIssued(): number {
    return this.tokens.issuedCount;
  }

  /** Every request received, oldest first. */
  get calls(): readonly CallRecord[] {
    return this.callLog;
  }

  callsTo(service: ServiceName, method?: string, path?: RegExp): CallRecord[] {
    return filterCalls(this.callLog, service, method, path);
  }

  clearCalls(): void {
    this.callLog.length = 0;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async listen(): Promise<void> {
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        console.error('FakeOpenStack: unexpected error', err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { code: 500, message: 'fake internal error', title: 'Internal Server Error' },
          }),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    if (RESERVED_PORTS.has(address.port)) {
      // Practically impossible for an ephemeral port, but never shadow the devcloud's ports.
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      await this.listen();
      return;
    }
    this.listenOrigin = `http://${this.options.host}:${address.port}`;
    this.credentials.authUrl = this.authUrl;
    this.adminCredentials.authUrl = this.authUrl;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.listenOrigin);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const service = this.services.find(
      (s) => url.pathname === s.prefix || url.pathname.startsWith(`${s.prefix}/`),
    );
    const call: CallRecord = {
      service: service?.name ?? 'unknown',
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers: maskHeaders(req.headers),
      body:
        rawBody === 'too-large'
          ? '<too large>'
          : recordedBody(rawBody, req.headers['content-type']),
      status: 0,
      at: new Date(),
    };
    this.callLog.push(call);
    res.once('close', () => {
      if (!res.headersSent && !this.stopped) call.clientClosedEarly = true;
    });

    if (!service) {
      this.write(res, call, {
        status: 404,
        body: { error: { code: 404, message: 'Not Found', title: 'Not Found' } },
      });
      return;
    }
    const wire: WireRequest = {
      method,
      path: url.pathname,
      servicePath: url.pathname.slice(service.prefix.length) || '/',
      query: url.searchParams,
      headers: req.headers,
      rawBody: rawBody === 'too-large' ? Buffer.alloc(0) : rawBody,
      origin: this.listenOrigin,
      requestId: newRequestId(),
    };
    const common = service.commonHeaders(wire);
    if (rawBody === 'too-large') {
      const tooLarge = service.error(413, 'Request body too large', wire);
      this.write(res, call, { ...tooLarge, headers: { ...common, ...tooLarge.headers } });
      return;
    }

    const fault = this.faults.take(service.name, method, url.pathname);
    if (fault) {
      call.fault = fault.hang
        ? 'hang'
        : fault.closeConnection
          ? 'closeConnection'
          : fault.malformed
            ? 'malformed'
            : fault.status !== undefined
              ? 'status'
              : 'delay';
      if (fault.delayMs) await this.sleep(fault.delayMs);
      if (this.stopped) return;
      if (fault.hang) return; // never answer; stop() destroys the socket
      if (fault.closeConnection) {
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined && !fault.malformed) {
        const canned =
          fault.body !== undefined
            ? { status: fault.status, body: fault.body }
            : service.error(fault.status, undefined, wire);
        this.write(res, call, {
          ...canned,
          headers: { ...common, ...canned.headers, ...fault.headers },
        });
        return;
      }
      if (fault.malformed) {
        const real =
          fault.status !== undefined ? { status: fault.status } : await service.handle(wire);
        this.write(res, call, {
          status: real.status,
          headers: {
            ...common,
            ...real.headers,
            ...fault.headers,
            'Content-Type': 'application/json',
          },
          // Truncated JSON: what a proxy cutting the body short or a broken service gives.
          raw: '{"truncated": [1, 2, ',
        });
        return;
      }
    }
    const response = await service.handle(wire);
    this.write(res, call, {
      ...response,
      headers: { ...common, ...response.headers, ...fault?.headers },
    });
  }

  private write(res: ServerResponse, call: CallRecord, response: WireResponse): void {
    if (this.stopped || res.destroyed) return;
    call.status = response.status;
    const headers: WireHeaders = {};
    // An empty value removes a header (e.g. Glance's 401 carries no request id).
    for (const [name, value] of Object.entries(response.headers ?? {}))
      if (value !== '') headers[name] = value;
    let payload: Buffer | undefined;
    if (response.raw !== undefined) {
      payload = Buffer.isBuffer(response.raw) ? response.raw : Buffer.from(response.raw);
    } else if (response.body !== undefined) {
      payload = Buffer.from(JSON.stringify(response.body));
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    }
    headers['Content-Length'] = String(payload?.length ?? 0);
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  /** A timer that never keeps the process alive and is cleared by stop(). */
  private runLater(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      if (!this.stopped) run();
    }, ms);
    timer.unref();
    this.pendingTimers.add(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve();
      }, ms);
      this.pendingTimers.add(timer);
    });
  }
}

function hasHeader(headers: WireHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
