import { OpenStackClient, SecurityGroup } from '@osa/openstack-client';
import { LeaseReading } from './lease-decision';
import { decodeLeaseRecord, encodeLeaseRecord, LeaseRecord } from './lease-record';

/**
 * The lease's home: a Neutron security group named `leaseName`, with no rule that admits
 * anything and attached to nothing, whose `description` holds the record and whose
 * `revision_number` is the compare-and-set (`If-Match: revision_number=N`, extension
 * `revision-if-match`). Why a security group: every project may create one (no network, address or
 * quota beyond one group), it carries no traffic, and its description is free text Neutron keeps.
 * Nova server metadata has no such guard (its writes are last-writer-wins), so it cannot hold a lease.
 *
 * Neutron names are not unique: two controllers starting together may each create one. All
 * contenders then use the OLDEST (created_at, then id); a contender deletes a duplicate it created
 * itself. A fresh group has an empty description, read as "held by someone unknown", so no one
 * acquires before the duplicates are seen (the wait is a whole leaseDuration).
 */
export class NeutronLeaseStore {
  private readonly createdByUs = new Set<string>();

  constructor(
    private readonly client: OpenStackClient,
    readonly leaseName: string,
  ) {}

  /** Reads the lease (creating its group when there is none). */
  async read(signal: AbortSignal): Promise<LeaseReading> {
    let groups = await this.client.network.securityGroups
      .list({ name: this.leaseName, signal })
      .toArray();
    groups = groups.filter((group) => group.name === this.leaseName);
    if (groups.length === 0) {
      const created = await this.client.network.securityGroups.create(this.leaseName, {
        description: '',
        signal,
      });
      this.createdByUs.add(created.id);
      groups = [created];
    }
    const chosen = oldest(groups);
    for (const group of groups) {
      if (group.id !== chosen.id && this.createdByUs.has(group.id)) {
        await this.client.network.securityGroups.delete(group.id, { signal });
        this.createdByUs.delete(group.id);
      }
    }
    return readingOf(chosen);
  }

  /** Compare-and-set; throws PreconditionFailedError (412) when the revision moved. */
  async write(
    resourceId: string,
    ifMatchRevision: number,
    record: LeaseRecord,
    signal: AbortSignal,
  ): Promise<LeaseReading> {
    const updated = await this.client.network.securityGroups.update(resourceId, {
      description: encodeLeaseRecord(record),
      ifMatchRevision,
      signal,
    });
    return readingOf(updated);
  }
}

function oldest(groups: readonly SecurityGroup[]): SecurityGroup {
  return [...groups].sort(
    (a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id),
  )[0];
}

function readingOf(group: SecurityGroup): LeaseReading {
  if (group.revisionNumber === undefined)
    throw new Error(
      `security group ${group.id} has no revision_number: the cloud lacks the standard-attr-revisions extension a lease needs`,
    );
  return {
    resourceId: group.id,
    revision: group.revisionNumber,
    record: decodeLeaseRecord(group.description),
  };
}
