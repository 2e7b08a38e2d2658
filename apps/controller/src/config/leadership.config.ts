import { ValidateBy } from 'class-validator';
import { BooleanFlag, DurationMs, TextMatching } from './config-rules';

/**
 * `leadership`: two (or more) controllers for one group, exactly one acting (docs/architecture.md
 * "The controller as a pair"). Off by default: a single controller behaves as it always did.
 */
export class LeadershipConfig {
  /** Run the lease election; needs `provider.kind: openstack` (the lease is a Neutron security group). */
  @BooleanFlag()
  enabled = false;

  /**
   * A standby takes over once the lease's revision stayed unchanged this long on its own clock;
   * a leader stops acting `renewIntervalMs` before it would run out.
   */
  @DurationMs(3_000, 600_000)
  leaseDurationMs = 15_000;

  /** The leader renews this often (and a standby re-reads the lease this often); at most leaseDurationMs / 3. */
  @DurationMs(500, 200_000)
  @AtMostAThirdOf('leaseDurationMs')
  renewIntervalMs = 5_000;

  /** Who this controller is in the lease; "" = `<hostname>-<pid>-<random>`. Unique per controller. */
  @TextMatching(/^[A-Za-z0-9._-]{0,64}$/, '"" or up to 64 letters, digits, ".", "_" or "-"')
  holderId = '';

  /** Name of the Neutron security group holding the lease; "" = `osa-lease-<provider.group>`. */
  @TextMatching(/^([A-Za-z0-9._-]{1,100})?$/, '"" or up to 100 letters, digits, ".", "_" or "-"')
  leaseName = '';
}

/** renew <= lease / 3: after a missed renew there is still one more try before the leader must step down. */
function AtMostAThirdOf(otherKey: string): PropertyDecorator {
  return ValidateBy({
    name: 'atMostAThirdOf',
    validator: {
      validate: (value: unknown, args) => {
        const other = (args?.object as Record<string, unknown>)[otherKey];
        return typeof value !== 'number' || typeof other !== 'number' || value * 3 <= other;
      },
      defaultMessage: (args) =>
        `must be at most a third of ${otherKey} (${String((args?.object as Record<string, unknown>)[otherKey])}), so a leader gets a second renew before it must step down`,
    },
  });
}

/** On the `leadership` section: the lease lives in Neutron, so only the openstack provider can hold one. */
export function LeadershipNeedsOpenStack(): PropertyDecorator {
  return ValidateBy({
    name: 'leadershipNeedsOpenStack',
    validator: {
      validate: (value: unknown, args) => {
        const enabled = (value as Partial<LeadershipConfig> | undefined)?.enabled === true;
        const kind = (
          (args?.object as Record<string, unknown>)['provider'] as { kind?: unknown } | undefined
        )?.kind;
        return !enabled || kind === 'openstack';
      },
      defaultMessage: () =>
        'enabled: true needs provider.kind: openstack (the lease is a Neutron security group with If-Match: revision_number)',
    },
  });
}
