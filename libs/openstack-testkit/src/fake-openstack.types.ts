// Public types of the fake OpenStack. Records in `FakeCloudState` are plain objects: tests may
// read them, mutate them and seed new ones; the HTTP handlers render them into wire payloads.

export type ServiceName = 'identity' | 'compute' | 'image' | 'network' | 'load-balancer';

export interface FakeOpenStackOptions {
  /** Loopback address to listen on (default 127.0.0.1; any 127.x.y.z works). Port is ephemeral. */
  host?: string;
  /** Region of every catalog endpoint (default RegionOne). */
  region?: string;
  /** Lifetime of issued tokens (default 24 h, Keystone's default `[token] expiration`). */
  tokenTtlMs?: number;
  /** Highest compute microversion advertised and accepted (default 2.93, Nova Zed's maximum). */
  computeMaxMicroversion?: string;
  /**
   * Which cloud to imitate (default `reference`). `devcloud`: the Debian Zed devcloud of the
   * acceptance suites: its seed (`ubuntu` a 4096-byte raw image, `test-subnet` 127.200.0.0/24
   * without DHCP, no external network), its demo quotas (instances 50, cores 50, ram 100000,
   * ports 100), no L3 plugin, Neutron refusing DHCP on loopback subnets and any subnet outside
   * 127.0.0.0/8, and servers that show every phase (BUILD twice, powering-off/on for 300 ms,
   * deleting then DELETED for 200 ms each).
   */
  profile?: 'reference' | 'devcloud';
  /**
   * Whether Neutron has its L3 plugin (floating IPs, routers). Default true (false with the
   * devcloud profile). The devcloud has none: /v2.0/floatingips and /v2.0/routers answer 404
   * HTTPNotFound there, which `false` reproduces.
   */
  networkL3?: boolean;
  /** Override any of the generated credentials (a random password is generated otherwise). */
  credentials?: Partial<Pick<FakeCredentials, 'username' | 'password' | 'projectName'>>;
}

export interface FakeCredentials {
  authUrl: string;
  region: string;
  username: string;
  userId: string;
  password: string;
  userDomainName: string;
  userDomainId: string;
  projectName: string;
  projectId: string;
  projectDomainName: string;
  projectDomainId: string;
  applicationCredentialId: string;
  applicationCredentialName: string;
  applicationCredentialSecret: string;
}

export interface FakeEndpoints {
  identity: string;
  compute: string;
  image: string;
  network: string;
  /** Octavia v2 (catalog type `load-balancer`), registered at its root like the devcloud's. */
  'load-balancer': string;
}

export type ServerStatus =
  | 'BUILD'
  | 'ACTIVE'
  | 'SHUTOFF'
  | 'ERROR'
  | 'DELETED'
  | 'REBOOT'
  | 'PAUSED'
  | 'SUSPENDED'
  | 'SHELVED_OFFLOADED';

export interface FakeServerAddress {
  addr: string;
  version: 4 | 6;
  type: 'fixed' | 'floating';
  macAddr: string;
}

export interface FakeServerFault {
  code: number;
  message: string;
  details?: string;
  created: string;
}

export interface FakeServer {
  id: string;
  name: string;
  status: ServerStatus;
  vmState: string;
  taskState: string | null;
  powerState: number;
  imageId: string;
  flavorId: string;
  keyName: string | null;
  securityGroups: string[];
  /** Network ids the server was asked to attach to (resolved at create time). */
  networkIds: string[];
  metadata: Record<string, string>;
  tags: string[];
  userData: string | null;
  availabilityZone: string;
  adminPass: string;
  /** Network name -> addresses, as rendered in `addresses` (empty until the behaviour assigns them). */
  addresses: Record<string, FakeServerAddress[]>;
  fault: FakeServerFault | null;
  consoleOutput: string;
  created: string;
  updated: string;
  launchedAt: string | null;
  /** Set when the server reaches DELETED (`OS-SRV-USG:terminated_at`). */
  terminatedAt?: string | null;
  hostId: string;
  tenantId: string;
  userId: string;
  /** The server group it was booted into (`os:scheduler_hints.group`), if any. */
  serverGroupId?: string | null;
  /** The compute host the fake's scheduler chose (undefined when none was: NoValidHost). */
  host?: string;
  /** A scheduling failure decided at create (NoValidHost, a host that fails builds): ERROR after the boot delay. */
  scheduleFault?: { code: number; message: string; details?: string } | null;
  /** What Nova did to it (GET os-instance-actions), oldest first; finishMs once the action's work is done. */
  actions?: FakeServerAction[];
  /** Lifecycle bookkeeping (ms since epoch / GET count) used by the server behaviour. */
  createdAtMs: number;
  activeAtMs: number | null;
  pollCount: number;
}

export interface FakeServerAction {
  action: string;
  requestId: string;
  startMs: number;
  finishMs?: number;
}

export interface ServerBehaviour {
  /** Time from create until the server may leave BUILD (default 0). */
  bootDelayMs?: number;
  /**
   * Number of GET /servers/{id} answers that say BUILD before ACTIVE (default 1: the first GET
   * after create says BUILD, as on a real cloud; 2 with the devcloud profile). List calls do not
   * count.
   */
  pollsUntilActive?: number;
  /** Fixed IPv4 to report (e.g. a real local service); undefined -> allocated from the subnet. */
  address?: (server: FakeServer) => string | undefined;
  /** Time after ACTIVE before `addresses` is filled in (default 0); Infinity = never. */
  addressDelayMs?: number;
  /** After the boot delay, go to ERROR with this fault instead of ACTIVE. */
  failWith?: { message: string; code?: number; details?: string };
  /** Full control of `addresses` once they are due (instead of `address`); no ports are made. */
  addresses?: (server: FakeServer) => Record<string, FakeServerAddress[]>;
  /** Console output text when none was set with `setConsoleOutput` (default ''). */
  consoleOutput?: string | ((server: FakeServer) => string);
  /** os-stop / os-start / shelve / unshelve take this long: task_state powering-off/on, shelving, unshelving meanwhile (default 100; devcloud profile 300). */
  actionDelayMs?: number;
  /** After DELETE the server keeps its status with task_state `deleting` this long (default 30; devcloud profile 200). */
  deleteDelayMs?: number;
  /** Then it answers 200 with status DELETED this long before 404 (default 30; devcloud profile 200). */
  deletedStatusMs?: number;
}

export interface ImageBehaviour {
  /** Time a Nova createImage snapshot takes: queued (first third), saving, then done (default 300). */
  snapshotDelayMs?: number;
  /** What a finished snapshot becomes (default active; `deleted` removes it, as Nova does on failure). */
  snapshotOutcome?: 'active' | 'killed' | 'deleted';
  /**
   * The server keeps task_state `image_uploading` this long after the image went active (default 0):
   * real Nova resets it only once the upload call returns, and answers os-start with 409 meanwhile.
   */
  taskStateClearDelayMs?: number;
}

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'killed'
  | 'deleted'
  | 'pending_delete'
  | 'deactivated';

export interface FakeImage {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: 'public' | 'private' | 'shared' | 'community';
  protected: boolean;
  diskFormat: string | null;
  containerFormat: string | null;
  minDisk: number;
  minRam: number;
  size: number | null;
  virtualSize: number | null;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  owner: string;
  tags: string[];
  /** Additional (user) properties, rendered as top-level keys as Glance does. */
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  data: Buffer | null;
}

export interface FakeFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtxFactor: number;
  isPublic: boolean;
  description: string | null;
  extraSpecs: Record<string, string>;
}

export interface FakeKeypair {
  name: string;
  type: 'ssh' | 'x509';
  publicKey: string;
  fingerprint: string;
  userId: string;
  createdAt: string;
  id: number;
}

export interface FakeNetwork {
  id: string;
  name: string;
  projectId: string;
  status: string;
  adminStateUp: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  subnetIds: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

export interface FakeSubnet {
  id: string;
  name: string;
  networkId: string;
  projectId: string;
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp: string | null;
  enableDhcp: boolean;
  allocationPools: { start: string; end: string }[];
  dnsNameservers: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

export interface FakeSecurityGroupRule {
  id: string;
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  /** null on the rules Neutron creates itself (captures/neutron/06-security-groups-default.txt). */
  description: string | null;
  projectId: string;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

export interface FakeSecurityGroup {
  id: string;
  name: string;
  description: string;
  projectId: string;
  stateful: boolean;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

export interface FakePort {
  id: string;
  name: string;
  networkId: string;
  projectId: string;
  macAddress: string;
  fixedIps: { subnetId: string; ipAddress: string }[];
  deviceId: string;
  deviceOwner: string;
  status: string;
  securityGroupIds: string[];
  adminStateUp: boolean;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

export interface FakeFloatingIp {
  id: string;
  floatingIpAddress: string;
  floatingNetworkId: string;
  fixedIpAddress: string | null;
  portId: string | null;
  routerId: string | null;
  projectId: string;
  status: 'ACTIVE' | 'DOWN' | 'ERROR';
  description: string;
  createdAt: string;
  updatedAt: string;
  revisionNumber: number;
}

/** A Nova server group (os-server-groups); its members are the servers booted with its id as hint. */
export interface FakeServerGroup {
  id: string;
  name: string;
  policy: 'anti-affinity' | 'affinity' | 'soft-anti-affinity' | 'soft-affinity';
  /** `max_server_per_host` (2.64+, anti-affinity only; Nova's default is 1). */
  rules: { max_server_per_host?: number };
  projectId: string;
  userId: string;
}

/**
 * A compute host of the fake's scheduler, in an availability zone. The default cloud has one
 * (`fake-compute-1` in `nova`), like the devcloud: hard anti-affinity places one member only.
 */
export interface FakeComputeHost {
  name: string;
  zone: string;
  /** Every build scheduled here goes to ERROR with this fault (a broken zone or host). */
  failBuilds?: { message: string; code?: number };
}

/** Everything the fake knows, keyed by id (keypairs by name). */
export interface FakeCloudState {
  servers: Map<string, FakeServer>;
  flavors: Map<string, FakeFlavor>;
  keypairs: Map<string, FakeKeypair>;
  images: Map<string, FakeImage>;
  networks: Map<string, FakeNetwork>;
  subnets: Map<string, FakeSubnet>;
  securityGroups: Map<string, FakeSecurityGroup>;
  securityGroupRules: Map<string, FakeSecurityGroupRule>;
  ports: Map<string, FakePort>;
  floatingIps: Map<string, FakeFloatingIp>;
  /** Octavia objects (see `FakeLoadBalancer`). */
  loadBalancers: Map<string, FakeLoadBalancer>;
  listeners: Map<string, FakeListener>;
  pools: Map<string, FakePool>;
  members: Map<string, FakeMember>;
  healthMonitors: Map<string, FakeHealthMonitor>;
  serverGroups: Map<string, FakeServerGroup>;
}

export type FakeProvisioningStatus =
  'ACTIVE' | 'DELETED' | 'ERROR' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE';

/** Fields every Octavia object has. */
export interface FakeOctaviaObject {
  id: string;
  name: string;
  description: string;
  projectId: string;
  provisioningStatus: FakeProvisioningStatus;
  operatingStatus: string;
  adminStateUp: boolean;
  tags: string[];
  createdAt: string;
  updatedAt: string | null;
}

export interface FakeLoadBalancer extends FakeOctaviaObject {
  vipAddress: string;
  vipPortId: string;
  vipSubnetId: string;
  vipNetworkId: string;
  provider: string;
}

/** Counters as `GET .../stats` reports them; set them to imitate traffic. */
export interface FakeLbStats {
  activeConnections: number;
  totalConnections: number;
  bytesIn: number;
  bytesOut: number;
  requestErrors: number;
}

export interface FakeListener extends FakeOctaviaObject {
  loadBalancerId: string;
  protocol: string;
  protocolPort: number;
  connectionLimit: number;
  defaultPoolId: string | null;
  insertHeaders: Record<string, string>;
  stats: FakeLbStats;
}

export interface FakePool extends FakeOctaviaObject {
  loadBalancerId: string;
  listenerIds: string[];
  protocol: string;
  lbAlgorithm: string;
  healthMonitorId: string | null;
}

export interface FakeMember extends FakeOctaviaObject {
  poolId: string;
  address: string;
  protocolPort: number;
  weight: number;
  backup: boolean;
  subnetId: string | null;
  monitorAddress: string | null;
  monitorPort: number | null;
}

export interface FakeHealthMonitor extends FakeOctaviaObject {
  poolId: string;
  type: string;
  delay: number;
  timeout: number;
  maxRetries: number;
  maxRetriesDown: number;
  httpMethod: string | null;
  urlPath: string | null;
  expectedCodes: string | null;
}

/** How the fake Octavia provider applies changes. */
export interface OctaviaBehaviour {
  /**
   * Time a change keeps the load balancer PENDING_* (409 "immutable" to other changes) before
   * it is ACTIVE again (default 50 ms; the devcloud's provider takes 0.5-0.7 s). Applies to
   * changes already pending too: a long delay holds the load balancer PENDING_*, a short one
   * releases it.
   */
  provisioningDelayMs?: number;
  /**
   * operating_status of a member in a pool with a health monitor, from its address and port
   * (default ONLINE; weight 0 shows DRAINING, as HAProxy's DRAIN state does through Octavia).
   */
  memberHealth?: (member: FakeMember) => 'ONLINE' | 'ERROR';
}

/** Quotas enforced by the fake (defaults are the services' own defaults). */
export interface FakeQuota {
  /** Nova `instances` (default 10). */
  instances: number;
  /** Nova `cores` (default 20). */
  cores: number;
  /** Nova `ram` in MiB (default 51200). */
  ram: number;
  /** Neutron `floatingip` (default 50). */
  floatingIps: number;
  /** Neutron `security_group_rule` (default 100). */
  securityGroupRules: number;
  /** Neutron `network` (default 100). */
  networks: number;
  /** Neutron `port` (default 100, as the devcloud's demo project; Neutron's own default is 500). */
  ports: number;
}

export interface FaultRule {
  service: ServiceName;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Matched against the full request path (e.g. /compute/v2.1/servers), without the query. */
  path?: RegExp;
  /** How many matching requests this rule affects (default: every one until removed). */
  times?: number;
  /** Answer with this status instead of running the handler. */
  status?: number;
  /** JSON body for `status` (default: the service's own error body for that status). */
  body?: unknown;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
  /** Wait this long before answering (combined with any of the other effects, or alone). */
  delayMs?: number;
  /** Never answer (the socket stays open until the client gives up or the fake stops). */
  hang?: boolean;
  /** Answer with a body that is not valid JSON (the handler's status, or `status`). */
  malformed?: boolean;
  /** Destroy the connection without any response. */
  closeConnection?: boolean;
}

export interface FaultHandle {
  readonly rule: FaultRule;
  /** How many requests this rule has affected so far. */
  readonly hits: number;
  remove(): void;
}

export interface CallRecord {
  service: ServiceName | 'unknown';
  method: string;
  /** Full request path without the query, e.g. /compute/v2.1/servers/abc. */
  path: string;
  query: Record<string, string | string[]>;
  /** Request headers, lower-cased; X-Auth-Token / X-Subject-Token masked as ***. */
  headers: Record<string, string>;
  /** Parsed JSON body (passwords and secrets masked as ***), raw text if not JSON, or undefined. */
  body: unknown;
  /** Response status; 0 while pending or when the fault gave no response (hang, closed). */
  status: number;
  /** Fault injected into this call, if any. */
  fault?: 'status' | 'delay' | 'hang' | 'malformed' | 'closeConnection';
  at: Date;
  /**
   * True once the client closed the connection before any answer was written (it gave up or
   * aborted the call): what a cancellation test checks after aborting a call the fake holds.
   */
  clientClosedEarly?: boolean;
}
