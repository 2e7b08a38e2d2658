export { ServerGroupsApi } from './api';
export { SERVER_GROUP_POLICIES, SERVER_GROUP_MICROVERSIONS } from './requests';
export type { CreateServerGroupOptions, ServerGroupPolicy } from './requests';
export type { ServerGroup } from './results';
