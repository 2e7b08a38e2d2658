export { SecurityGroupsApi, SecurityGroupRulesApi } from './api';
export type {
  ListSecurityGroupsFilters,
  ListSecurityGroupRulesFilters,
  CreateSecurityGroupRuleOptions,
} from './requests';
export type { SecurityGroup, SecurityGroupRule, CreateSecurityGroupRuleResult } from './results';
