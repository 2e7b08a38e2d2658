export interface ListSecurityGroupsFilters {
  name?: string;
  projectId?: string;
}

export interface ListSecurityGroupRulesFilters {
  securityGroupId?: string;
  direction?: 'ingress' | 'egress';
  protocol?: string;
}

export interface CreateSecurityGroupRuleOptions {
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  /** Default IPv4. */
  ethertype?: 'IPv4' | 'IPv6';
  /** tcp, udp, icmp, ... or a protocol number; omitted means any. */
  protocol?: string;
  portRangeMin?: number;
  portRangeMax?: number;
  remoteIpPrefix?: string;
  remoteGroupId?: string;
  description?: string;
}
