export interface SecurityGroupRule {
  id: string;
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** e.g. tcp, udp, icmp; undefined means any protocol. */
  protocol?: string;
  portRangeMin?: number;
  portRangeMax?: number;
  remoteIpPrefix?: string;
  remoteGroupId?: string;
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  projectId?: string;
  rules: SecurityGroupRule[];
}

/** Result of creating a rule: Neutron's 409 SecurityGroupRuleExists counts as already present. */
export type CreateSecurityGroupRuleResult =
  | { alreadyExists: false; rule: SecurityGroupRule }
  | { alreadyExists: true; /** Parsed from Neutron's message ("Rule id is ..."), when present. */ existingRuleId?: string };
