import { isIP } from 'node:net';
import { ValidateBy, ValidateIf } from 'class-validator';
import { AvailabilityZoneList, PlacementTimingConfig, ServerGroupConfig } from './placement.config';
import { SecretField } from './secret-field';
import {
  Allowed,
  BooleanFlag,
  DurationMs,
  IntegerIn,
  ListOf,
  OneOf,
  Section,
  StringMap,
  TextMatching,
  TextOfLength,
} from './config-rules';

export const PROVIDER_KINDS = ['local', 'openstack'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** Validate the field only when it is given (optional keys without a default). */
const WhenGiven = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Nova server names, our name prefix and group names: letters, digits, `.`, `_`, `-`. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The `local` provider: no cloud. The golden image comes from the local image store that
 * `nx run tools:bake-image --provider=local` writes (@osa/golden-image), chosen by the same rule
 * as on OpenStack; before the first bake, instances run the built service bundle. Every instance
 * is a child process of the controller listening on its own loopback address, so the address
 * changes on a switch exactly as a new VM's IP does (seed section 17).
 */
export class LocalProviderConfig {
  /** The local image store (bake-image's `--images-dir`); relative to the working directory. */
  @TextOfLength(1, 4096, 'a directory path')
  imagesDir = '.osa/images';

  /** Golden image name: the newest image of that name in `imagesDir` (by bake time) is used. */
  @TextOfLength(1, 255, 'an image name')
  image = 'service-golden';

  /** Pin one image of the store by id instead of choosing by name (it must exist). */
  @WhenGiven()
  @TextMatching(/^[0-9a-fA-F-]{8,64}$/, 'an image id (UUID)')
  imageId?: string;

  /**
   * Used only while `imagesDir` holds no image named `image` (before the first bake): the built
   * service bundle (`npx nx build service`), relative to the working directory.
   */
  @TextOfLength(1, 4096, 'a file path')
  bundlePath = 'dist/apps/service/main.js';

  /** Address of the original instance; each clone takes the next one (127.0.10.2, .3, ...). */
  @Allowed(
    'an IPv4 loopback address 127.x.y.z with z from 1 to 254 (e.g. 127.0.10.1)',
    (value) =>
      typeof value === 'string' &&
      isIP(value) === 4 &&
      /^127\./.test(value) &&
      lastOctet(value) >= 1 &&
      lastOctet(value) <= 254,
  )
  firstAddress = '127.0.10.1';

  /** Port every instance's service listens on (each has its own address, so they can share it). */
  @IntegerIn(1, 65535)
  servicePort = 5000;

  /** A new instance reports BUILD for this long before ACTIVE, so the 503 window is visible. */
  @DurationMs(0, 3_600_000)
  bootDelayMs = 3_000;

  /**
   * Extra environment for every instance, e.g. `WORK_DELAY_MS: "200"`. HOST and PORT are set by
   * the provider. Values may be credentials (an API key for the service): shown as `***`.
   */
  @SecretField()
  @StringMap(
    /^(?!HOST$|PORT$)[A-Z_][A-Z0-9_]*$/,
    'UPPER_CASE variable names other than HOST and PORT',
  )
  serviceEnv: Record<string, string> = {};

  /** On delete/shutdown an instance gets SIGTERM, then SIGKILL after this long. */
  @DurationMs(0, 600_000)
  stopGraceMs = 5_000;

  /**
   * `false` (seed): instances end with the controller, even when it is killed with SIGKILL, and a
   * restarted controller clears what is left. `true`: like cloud servers, they keep serving through
   * a controller crash and the next controller adopts them (an orderly stop still stops them).
   */
  @BooleanFlag()
  instancesOutliveController = false;

  /**
   * Where each instance's record (pid, address, group metadata) is kept, so a restarted controller
   * finds every instance of its group: this provider's "cloud". Relative to the working directory.
   */
  @TextOfLength(1, 4096, 'a directory path')
  stateDir = '.osa/local-instances';
}

function lastOctet(address: string): number {
  return Number(address.split('.')[3]);
}

/** The `openstack` provider: Nova servers from the golden image, via `@osa/openstack-client`. */
export class OpenStackProviderConfig {
  /** clouds.yaml entry to use; when omitted, OS_CLOUD, else the openrc OS_* variables. */
  @WhenGiven()
  @TextOfLength(1, 255, 'a clouds.yaml cloud name')
  cloud?: string;

  /** Golden image name (the newest `active` image of that name is used). */
  @TextOfLength(1, 255, 'an image name')
  image = 'service-golden';

  /** Pin one image by id instead of choosing by name. */
  @WhenGiven()
  @TextMatching(/^[0-9a-fA-F-]{8,64}$/, 'an image id (UUID)')
  imageId?: string;

  @TextOfLength(1, 255, 'a flavor name or id')
  flavor = 'm1.small';

  /** Network the servers are attached to; the service address is read from it. */
  @TextOfLength(1, 255, 'a network name')
  network = 'test';

  /** Which address family to use from the network's addresses. */
  @Allowed('4 or 6', (value) => value === 4 || value === 6)
  ipVersion: 4 | 6 = 4;

  @TextOfLength(1, 255, 'a key pair name')
  keyName = 'vm-key';

  @ListOf(
    'security group names',
    (item) => typeof item === 'string' && item.length > 0 && item.length <= 255,
    20,
  )
  securityGroups: string[] = ['default'];

  /** Port the service listens on inside each server (seed section 8). */
  @IntegerIn(1, 65535)
  servicePort = 5000;

  /**
   * User-defined server metadata put on every server the controller creates (cost-centre tags,
   * scheduling hints), next to its own `osa:group` / `osa:reason`. Keys under `osa:` are the
   * controller's and are refused; Nova's limits are checked here, not at the first scale-out.
   */
  @ServerMetadata()
  metadata: Record<string, string> = {};

  /**
   * The original backend as a URL (`http://192.168.222.10:5000`) instead of adopting the server
   * named `provider.originalName`. The host must be an IP literal (no DNS on the data path).
   */
  @WhenGiven()
  @Allowed(
    'an http:// URL with an IP address and port and no path, e.g. http://192.168.222.10:5000',
    (value) => parseOriginalUrl(value) !== undefined,
  )
  originalUrl?: string;

  /** Nova server group for every new instance (config/placement.config.ts). */
  @WhenGiven()
  @Section(() => ServerGroupConfig)
  serverGroup?: ServerGroupConfig;

  /** Spread new instances over these zones (fewest of the group's first; ties by order); empty: Nova chooses. */
  @AvailabilityZoneList()
  availabilityZones: string[] = [];

  @Section(() => PlacementTimingConfig)
  placement = new PlacementTimingConfig();
}

/** Keys the controller writes itself (`osa:group`, `osa:reason`, ...): never user-defined. */
export const RESERVED_METADATA_PREFIX = 'osa:';
/** Nova's server metadata schema (`nova/api/validation/parameter_types.py`, `metadata`). */
const NOVA_METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;
const NOVA_METADATA_VALUE_MAX = 255;
/** Nova's default `metadata_items` quota is 128 per server; the controller uses 2 of them. */
const MAX_USER_METADATA_ITEMS = 126;

/** What is wrong with a `provider.openstack.metadata` value, one entry per bad key; empty when valid. */
export function serverMetadataProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return ['must be a mapping of metadata keys to string values'];
  const entries = Object.entries(value);
  const problems: string[] = [];
  if (entries.length > MAX_USER_METADATA_ITEMS)
    problems.push(
      `has ${entries.length} keys: at most ${MAX_USER_METADATA_ITEMS} (Nova's default quota is 128 items per server, 2 are the controller's)`,
    );
  for (const [key, item] of entries) {
    const shown = JSON.stringify(key);
    if (key.toLowerCase().startsWith(RESERVED_METADATA_PREFIX)) {
      problems.push(
        `key ${shown} is reserved: keys under "${RESERVED_METADATA_PREFIX}" are written by the controller (choose another prefix)`,
      );
    } else if (!NOVA_METADATA_KEY.test(key)) {
      problems.push(
        `key ${shown} is not a Nova metadata key: 1 to 255 of letters, digits, "-", "_", ":", "." and space`,
      );
    }
    if (typeof item !== 'string') {
      problems.push(`value of ${shown} must be a string (quote it in YAML: "${String(item)}")`);
    } else if (item.length > NOVA_METADATA_VALUE_MAX) {
      problems.push(
        `value of ${shown} is ${item.length} characters: Nova allows at most ${NOVA_METADATA_VALUE_MAX}`,
      );
    }
  }
  return problems;
}

function ServerMetadata(): PropertyDecorator {
  return ValidateBy({
    name: 'serverMetadata',
    validator: {
      validate: (value: unknown) => serverMetadataProblems(value).length === 0,
      defaultMessage: (args) => serverMetadataProblems(args?.value).join('; '),
    },
  });
}

/** `http://IP:port` -> host and port; undefined for anything else. */
export function parseOriginalUrl(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (
    url.protocol !== 'http:' ||
    isIP(host) === 0 ||
    url.pathname !== '/' ||
    url.search ||
    url.username
  )
    return undefined;
  return { host, port: url.port ? Number(url.port) : 80 };
}

/**
 * Where instances come from. `kind` picks the implementation. Both provider sections are
 * validated whichever is chosen: a typo in the unused one would otherwise surface only on the
 * day someone switches `kind`.
 */
export class ProviderConfig {
  @OneOf(PROVIDER_KINDS)
  kind: ProviderKind = 'local';

  /** Written into every instance's metadata (`osa:group`): marks what this controller owns. */
  @TextMatching(NAME_PATTERN, 'a name of letters, digits, ".", "_" or "-"')
  group = 'service';

  /** The original backend (seed section 7): started (local) or adopted by server name (openstack). */
  @TextMatching(NAME_PATTERN, 'a server name of letters, digits, ".", "_" or "-"')
  originalName = 'service-vm-1';

  /** New instances are named this prefix plus a random suffix (seed: service-auto-XXXXX). */
  @TextMatching(NAME_PATTERN, 'a name prefix of letters, digits, ".", "_" or "-"')
  namePrefix = 'service-auto-';

  @Section(() => LocalProviderConfig)
  local = new LocalProviderConfig();

  @Section(() => OpenStackProviderConfig)
  openstack = new OpenStackProviderConfig();
}
