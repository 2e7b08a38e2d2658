export { SecurityGroupsApi, SecurityGroupRulesApi } from './api';
export type {
  ListSecurityGroupsFilters,
  ListSecurityGroupRulesFilters,
  UpdateSecurityGroupOptions,
  CreateSecurityGroupRuleOptions,
} from './requests';
export type { SecurityGroup, SecurityGroupRule, CreateSecurityGroupRuleResult } from './results';
