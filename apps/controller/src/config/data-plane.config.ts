import { Allowed, DurationMs, IntegerIn, OneOf, Section } from './config-rules';
import { OctaviaDataPlaneConfig } from './octavia-data-plane.config';

/**
 * Who carries the client bytes: `builtin` (the controller's own proxy, the default), `haproxy`
 * (an HAProxy process the controller starts and drives through its Runtime API), `octavia` (an
 * OpenStack load balancer). The control plane is the same for all of them (seams/data-plane.ts).
 */
export const DATA_PLANE_KINDS = ['builtin', 'haproxy', 'octavia'] as const;
export type DataPlaneKind = (typeof DATA_PLANE_KINDS)[number];

/** The sun_path of a UNIX socket holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_LENGTH = 107;

function AbsolutePath(what: string, maxLength = 4096): PropertyDecorator {
  return Allowed(
    `an absolute path (${what}) of at most ${maxLength} characters`,
    (value) =>
      typeof value === 'string' &&
      value.startsWith('/') &&
      value.length <= maxLength &&
      !value.includes('\0'),
  );
}

/** Empty, or an absolute path. */
function OptionalAbsolutePath(what: string, maxLength = 4096): PropertyDecorator {
  // Letters, digits and . _ - / only: the path is written into HAProxy's config, some places unquoted.
  return Allowed(
    `"" (${what} chosen by the controller) or an absolute path of at most ${maxLength} characters of letters, digits, ".", "_", "-", "/"`,
    (value) =>
      value === '' ||
      (typeof value === 'string' &&
        /^\/[A-Za-z0-9._/-]*$/.test(value) &&
        value.length <= maxLength),
  );
}

/**
 * `dataPlane.haproxy`: the HAProxy process and how it is driven. Listen address, path mappings,
 * trusted proxies and the upstream timeouts come from the `proxy` section, the queue from
 * `traffic`, as for the built-in proxy (docs/data-plane-haproxy.md lists the mapping).
 */
export class HaproxyDataPlaneConfig {
  /** The haproxy executable (Debian's `haproxy` package, 2.6 or later). */
  @AbsolutePath('the haproxy executable')
  binary = '/usr/sbin/haproxy';

  /** Directory for haproxy.cfg, the pid and the Runtime API socket; "" = a new private (0700) temporary directory. */
  @OptionalAbsolutePath('a new private temporary directory')
  runtimeDir = '';

  /** The Runtime API's UNIX socket; "" = `<runtimeDir>/runtime-api.sock`. Never a TCP port: the API can change routing. */
  @OptionalAbsolutePath('<runtimeDir>/runtime-api.sock', MAX_SOCKET_PATH_LENGTH)
  socketPath = '';

  /** Client connections HAProxy accepts at once (its `maxconn`); more wait in the kernel's backlog. */
  @IntegerIn(1, 1_000_000)
  maxconn = 4_096;

  /**
   * Requests one instance is sent at once (the server `maxconn`); more wait in HAProxy's queue for
   * up to `traffic.queueMaxWaitMs` (`timeout queue`), at most `traffic.queueMaxRequests` waiting in
   * all, else 503 + Retry-After. 0 = no limit (no queue).
   */
  @IntegerIn(0, 1_000_000)
  serverMaxconn = 256;

  /** An idle client connection (no request, no body bytes) is closed after this (`timeout client`). */
  @DurationMs(1_000, 3_600_000)
  clientTimeoutMs = 65_000;

  /** How often the counters are read from the Runtime API (`show stat`): the request-count trigger's resolution. */
  @DurationMs(10, 60_000)
  countersIntervalMs = 100;

  /** One Runtime API command must be answered within this. */
  @DurationMs(50, 60_000)
  runtimeApiTimeoutMs = 2_000;

  /** HAProxy must accept Runtime API commands within this after it is started. */
  @DurationMs(100, 300_000)
  startTimeoutMs = 10_000;

  /** After HAProxy exits unexpectedly it is restarted after this; doubles per exit in a row, up to 30 s. */
  @DurationMs(0, 60_000)
  restartDelayMs = 100;
}

export class DataPlaneConfig {
  @OneOf(DATA_PLANE_KINDS)
  kind: DataPlaneKind = 'builtin';

  @Section(() => HaproxyDataPlaneConfig)
  haproxy = new HaproxyDataPlaneConfig();

  @Section(() => OctaviaDataPlaneConfig)
  octavia = new OctaviaDataPlaneConfig();
}
