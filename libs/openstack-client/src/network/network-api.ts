import type { Session } from '../session/session';
import { FloatingIpsApi } from './floating-ips/api';
import { NetworksApi } from './networks/api';
import { PortsApi } from './ports/api';
import { SecurityGroupRulesApi, SecurityGroupsApi } from './security-groups/api';
import { SubnetsApi } from './subnets/api';

export class NetworkApi {
  readonly networks: NetworksApi;
  readonly subnets: SubnetsApi;
  readonly securityGroups: SecurityGroupsApi;
  readonly securityGroupRules: SecurityGroupRulesApi;
  readonly ports: PortsApi;
  readonly floatingIps: FloatingIpsApi;
  constructor(session: Session) {
    this.networks = new NetworksApi(session);
    this.subnets = new SubnetsApi(session);
    this.securityGroups = new SecurityGroupsApi(session);
    this.securityGroupRules = new SecurityGroupRulesApi(session);
    this.ports = new PortsApi(session);
    this.floatingIps = new FloatingIpsApi(session);
  }
}
