import type { ResourceList } from '../../common/pagination';
import { pollUntil, type WaitForStatusOptions, type WaitOptions } from '../../common/wait';
import type { Session } from '../../session/session';
import type { CallOptions } from '../../session/session-types';
import {
  LOAD_BALANCER_SERVICE,
  octaviaDelete,
  octaviaGet,
  octaviaList,
  octaviaWrite,
  retryWhileImmutable,
  undefinedIfMissing,
  type OctaviaDeleteOptions,
} from '../octavia-calls';
import {
  DEFAULT_PROVISIONING_FAIL_STATES,
  provisioningDeletedWait,
  provisioningStatusWait,
  type ProvisioningStatus,
} from '../provisioning';
import {
  buildBatchUpdateBody,
  buildListMembersQuery,
  buildMemberBody,
  buildUpdateMemberBody,
  type BatchUpdateMembersOptions,
  type CreateMemberOptions,
  type ListMembersFilters,
  type MemberSpec,
  type UpdateMemberOptions,
} from './requests';
import { parseMember, type Member } from './results';
import * as urls from './urls';

export type WaitForMemberStatusOptions = WaitForStatusOptions<Member, ProvisioningStatus>;

/** /v2/lbaas/pools/{pool_id}/members: the backends of a pool. */
export class MembersApi {
  constructor(private readonly session: Session) {}

  list(poolId: string, filters: ListMembersFilters = {}): ResourceList<Member> {
    return octaviaList(
      this.session,
      urls.membersUrl(poolId),
      'members',
      buildListMembersQuery(filters),
      parseMember,
      filters.signal,
    );
  }

  get(poolId: string, memberId: string, options: CallOptions = {}): Promise<Member> {
    return octaviaGet(
      this.session,
      urls.memberUrl(poolId, memberId),
      'member',
      parseMember,
      options.signal,
    );
  }

  find(poolId: string, memberId: string, options: CallOptions = {}): Promise<Member | undefined> {
    return undefinedIfMissing(() => this.get(poolId, memberId, options));
  }

  /** POST one member (PENDING_CREATE; the load balancer is PENDING_UPDATE until it is in place). */
  create(poolId: string, options: CreateMemberOptions): Promise<Member> {
    return octaviaWrite(
      this.session,
      'POST',
      urls.membersUrl(poolId),
      'member',
      buildMemberBody(options, 'createMember'),
      parseMember,
      options,
    );
  }

  /** PUT one member, e.g. `{weight: 0}` to stop new connections to it before removing it. */
  update(poolId: string, memberId: string, options: UpdateMemberOptions): Promise<Member> {
    return octaviaWrite(
      this.session,
      'PUT',
      urls.memberUrl(poolId, memberId),
      'member',
      buildUpdateMemberBody(options),
      parseMember,
      options,
    );
  }

  delete(poolId: string, memberId: string, options: OctaviaDeleteOptions = {}): Promise<boolean> {
    return octaviaDelete(this.session, urls.memberUrl(poolId, memberId), options);
  }

  /**
   * Batch update (PUT /v2/lbaas/pools/{pool_id}/members, 202 with no body): `members` is the
   * desired pool. Octavia matches existing members by (address, protocol_port): listed and
   * present are updated, listed and absent are created, present and not listed are deleted
   * (unless `additiveOnly`). One call, one PENDING_UPDATE of the load balancer, however many
   * members change. Wait for the load balancer to be ACTIVE again to see the result.
   */
  async batchUpdate(
    poolId: string,
    members: readonly MemberSpec[],
    options: BatchUpdateMembersOptions = {},
  ): Promise<void> {
    const body = buildBatchUpdateBody(members);
    const path = urls.membersUrl(poolId);
    await retryWhileImmutable('PUT', path, options, () =>
      this.session.request(LOAD_BALANCER_SERVICE, {
        method: 'PUT',
        path,
        query: options.additiveOnly ? { additive_only: 'true' } : undefined,
        json: body,
        signal: options.signal,
      }),
    );
  }

  waitForStatus(
    poolId: string,
    memberId: string,
    options: WaitForMemberStatusOptions,
  ): Promise<Member> {
    const targets = Array.isArray(options.target) ? options.target : [options.target];
    return pollUntil(
      provisioningStatusWait(
        'member',
        memberId,
        (signal) => this.find(poolId, memberId, { signal }),
        targets as ProvisioningStatus[],
        options.failOn ?? DEFAULT_PROVISIONING_FAIL_STATES,
      ),
      options,
    );
  }

  waitForDeleted(poolId: string, memberId: string, options: WaitOptions<Member>): Promise<void> {
    return pollUntil(
      provisioningDeletedWait('member', memberId, (signal) =>
        this.find(poolId, memberId, { signal }),
      ),
      options,
    );
  }
}
