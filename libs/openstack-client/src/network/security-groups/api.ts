import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import type { DeleteOptions } from '../../compute/servers/requests';
import type {
  CreateSecurityGroupRuleOptions,
  ListSecurityGroupRulesFilters,
  ListSecurityGroupsFilters,
} from './requests';
import type { CreateSecurityGroupRuleResult, SecurityGroup, SecurityGroupRule } from './results';

export class SecurityGroupsApi {
  constructor(protected readonly session: Session) {}
  list(_filters?: ListSecurityGroupsFilters): ResourceList<SecurityGroup> {
    throw new Error('TODO');
  }
  get(_securityGroupId: string): Promise<SecurityGroup> {
    throw new Error('TODO');
  }
  /** The project's `default` group (the token's project unless `projectId` is given). */
  findDefault(_projectId?: string): Promise<SecurityGroup> {
    throw new Error('TODO');
  }
}

export class SecurityGroupRulesApi {
  constructor(protected readonly session: Session) {}
  list(_filters?: ListSecurityGroupRulesFilters): ResourceList<SecurityGroupRule> {
    throw new Error('TODO');
  }
  /** POST /v2.0/security-group-rules; a 409 SecurityGroupRuleExists returns `{ alreadyExists: true }`. */
  create(_options: CreateSecurityGroupRuleOptions): Promise<CreateSecurityGroupRuleResult> {
    throw new Error('TODO');
  }
  delete(_ruleId: string, _options?: DeleteOptions): Promise<boolean> {
    throw new Error('TODO');
  }
}
