// Neutron API reference v2.0, "Security groups (security-groups)" and "Security group rules".
const enc = encodeURIComponent;
export const securityGroupsUrl = (): string => '/security-groups';
export const securityGroupUrl = (id: string): string => `/security-groups/${enc(id)}`;
export const securityGroupRulesUrl = (): string => '/security-group-rules';
export const securityGroupRuleUrl = (id: string): string => `/security-group-rules/${enc(id)}`;
