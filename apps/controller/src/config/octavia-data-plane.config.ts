import { BooleanFlag, DurationMs, IntegerIn, OneOf, TextMatching, UrlPath } from './config-rules';

/** What clients get through the VIP while a scale-out runs (the gate is closed). */
export const OCTAVIA_WHILE_SCALING = ['keep-serving', 'empty-pool'] as const;
export type OctaviaWhileScaling = (typeof OCTAVIA_WHILE_SCALING)[number];

export const OCTAVIA_ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP'] as const;

/** Octavia names: printable, no quotes (the devcloud's provider refuses quotes in L7 values too). */
const NAME = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * `dataPlane.octavia` (`dataPlane.kind: octavia`): an OpenStack load balancer carries the client
 * bytes; the controller creates it (or adopts one by id or name) with one listener and one pool,
 * and makes the pool's members follow the instances it has checked ready. Credentials are the
 * openstack provider's (clouds.yaml / OS_*); the user needs the `load-balancer_member` role.
 * docs/data-plane-octavia.md says what each policy can see in this mode and what clients get.
 */
export class OctaviaDataPlaneConfig {
  /** Adopt this load balancer (its id); "" = find it by `loadBalancerName`, or create it. */
  @TextMatching(/^([0-9a-f-]{36})?$/, '"" or a load balancer id (a UUID)')
  loadBalancerId = '';

  /** Name of the load balancer to adopt or create. */
  @TextMatching(NAME, '1-255 letters, digits, ".", "_", ":" or "-"')
  loadBalancerName = 'osa-service-lb';

  /** Create the load balancer when none is found (false: adopt only, refuse to start without one). */
  @BooleanFlag()
  create = true;

  /** Subnet (name or id) of the VIP when the controller creates the load balancer. */
  @TextMatching(/^[A-Za-z0-9._:-]{0,255}$/, '"" or a subnet name or id')
  vipSubnet = '';

  /** The listener's port on the VIP: clients connect to VIP:listenerPort. */
  @IntegerIn(1, 65_535)
  listenerPort = 8000;

  @OneOf(OCTAVIA_ALGORITHMS)
  lbAlgorithm: (typeof OCTAVIA_ALGORITHMS)[number] = 'ROUND_ROBIN';

  /**
   * `keep-serving` (default): the previous members keep serving until the new instance is ready
   * (the seed's switch semantics, no 503 at all); `empty-pool`: every member gets weight 0 while
   * scaling, so Octavia's HAProxy answers its own 503 ("No server is available"), without
   * Retry-After, until the new one is ready.
   */
  @OneOf(OCTAVIA_WHILE_SCALING)
  whileScaling: OctaviaWhileScaling = 'keep-serving';

  /**
   * Also let Octavia's health monitor check the members (HTTP GET `healthMonitorPath`). A member
   * then gets traffic only while both agree: the controller added it (its readiness checks
   * passed) and the monitor sees it ONLINE. Healing stays the controller's.
   */
  @BooleanFlag()
  healthMonitor = false;

  @UrlPath()
  healthMonitorPath = '/';

  /** Least time between two statistics reads (Octavia refreshes them every ~10 s anyway). */
  @DurationMs(100, 600_000)
  statsIntervalMs = 1_000;

  /**
   * A draining member (weight 0) counts as busy this long after the change is in place: Octavia
   * has no per-member counters (its listener's, sampled every few seconds, cannot end it sooner),
   * so set it to the longest a request may still run on the member.
   */
  @DurationMs(0, 3_600_000)
  drainGraceMs = 5_000;

  /** One change (and the load balancer's return to ACTIVE) must finish within this. */
  @DurationMs(1_000, 3_600_000)
  changeTimeoutMs = 120_000;
}
