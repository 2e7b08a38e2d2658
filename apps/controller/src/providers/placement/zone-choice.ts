/**
 * Availability-zone spread as pure functions: a new instance goes to the zone holding the fewest
 * of the group's instances (ties: the configured order), skipping zones whose last build failed
 * within the back-off; scale-in takes from the zone holding the most.
 */

export interface ZoneChoice {
  readonly zone: string;
  /** Zones passed over because a build failed there recently. */
  readonly skipped: readonly string[];
}

/**
 * The zone for the next instance; undefined when no zones are configured (Nova chooses). When
 * every zone is backing off, the one whose back-off ends first is used rather than none.
 */
export function chooseZone(
  zones: readonly string[],
  counts: ReadonlyMap<string, number>,
  skippedUntilMs: ReadonlyMap<string, number>,
  nowMs: number,
): ZoneChoice | undefined {
  if (zones.length === 0) return undefined;
  const backingOff = zones.filter(
    (zone) => (skippedUntilMs.get(zone) ?? Number.NEGATIVE_INFINITY) > nowMs,
  );
  const open = zones.filter((zone) => !backingOff.includes(zone));
  if (open.length === 0) {
    const soonest = [...zones].sort(
      (a, b) =>
        (skippedUntilMs.get(a) ?? 0) - (skippedUntilMs.get(b) ?? 0) ||
        zones.indexOf(a) - zones.indexOf(b),
    )[0];
    return { zone: soonest, skipped: backingOff.filter((zone) => zone !== soonest) };
  }
  const fewest = [...open].sort(
    (a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || zones.indexOf(a) - zones.indexOf(b),
  )[0];
  return { zone: fewest, skipped: backingOff };
}

/**
 * A scale-in ordering key: instances in the zone with the most of the group's instances first.
 * Returns how many of `candidates` share the zone of each (0 for an unknown zone).
 */
export function zoneCrowding(
  candidates: readonly { readonly id: string }[],
  zoneOf: (id: string) => string | undefined,
): Map<string, number> {
  const perZone = new Map<string, number>();
  for (const candidate of candidates) {
    const zone = zoneOf(candidate.id);
    if (zone !== undefined) perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
  }
  const crowding = new Map<string, number>();
  for (const candidate of candidates) {
    const zone = zoneOf(candidate.id);
    crowding.set(candidate.id, zone === undefined ? 0 : (perZone.get(zone) ?? 0));
  }
  return crowding;
}
