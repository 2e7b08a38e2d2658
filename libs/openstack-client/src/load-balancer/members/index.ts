export { MembersApi } from './api';
export type { WaitForMemberStatusOptions } from './api';
export type {
  BatchUpdateMembersOptions,
  CreateMemberOptions,
  ListMembersFilters,
  MemberSpec,
  UpdateMemberOptions,
} from './requests';
export type { Member } from './results';
