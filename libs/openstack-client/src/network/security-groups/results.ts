import type { WireReader } from '../../common/wire';

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
  /** Neutron's standard-attr `revision_number`: bumped on every change (the If-Match value). */
  revisionNumber?: number;
  /** ISO time Neutron created it (standard-attr-timestamp). */
  createdAt?: string;
}

/** Result of creating a rule: Neutron's 409 SecurityGroupRuleExists counts as already present. */
export type CreateSecurityGroupRuleResult =
  | { alreadyExists: false; rule: SecurityGroupRule }
  | {
      alreadyExists: true;
      /** Parsed from Neutron's message ("Rule id is ..."), when present. */ existingRuleId?: string;
    };

type Obj = Record<string, unknown>;

export function parseSecurityGroupRule(
  wire: WireReader,
  r: Obj,
  path = 'security_group_rule',
): SecurityGroupRule {
  const direction = wire.string(r, 'direction', path);
  if (direction !== 'ingress' && direction !== 'egress')
    wire.fail(`${path}.direction "${direction}" is not ingress/egress`);
  const ethertype = wire.string(r, 'ethertype', path);
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6')
    wire.fail(`${path}.ethertype "${ethertype}" is not IPv4/IPv6`);
  return {
    id: wire.string(r, 'id', path),
    securityGroupId: wire.string(r, 'security_group_id', path),
    direction,
    ethertype,
    protocol: wire.optionalString(r, 'protocol', path),
    portRangeMin: wire.optionalNumber(r, 'port_range_min', path),
    portRangeMax: wire.optionalNumber(r, 'port_range_max', path),
    remoteIpPrefix: wire.optionalString(r, 'remote_ip_prefix', path),
    remoteGroupId: wire.optionalString(r, 'remote_group_id', path),
    description: wire.optionalString(r, 'description', path),
  };
}

export function parseSecurityGroup(
  wire: WireReader,
  g: Obj,
  path = 'security_group',
): SecurityGroup {
  return {
    id: wire.string(g, 'id', path),
    name: wire.string(g, 'name', path),
    description: wire.optionalString(g, 'description', path) ?? '',
    projectId:
      wire.optionalString(g, 'project_id', path) ?? wire.optionalString(g, 'tenant_id', path),
    revisionNumber: wire.optionalNumber(g, 'revision_number', path),
    createdAt: wire.optionalString(g, 'created_at', path),
    rules: (wire.optionalArray(g, 'security_group_rules', path) ?? []).map((r, i) =>
      parseSecurityGroupRule(
        wire,
        wire.record(r, `${path}.security_group_rules[${i}]`),
        `${path}.security_group_rules[${i}]`,
      ),
    ),
  };
}

/** Neutron's duplicate message: "Security group rule already exists. Rule id is <uuid>." */
export function existingRuleIdFrom(message: string): string | undefined {
  return /Rule id is ([0-9a-f-]{36})/i.exec(message)?.[1];
}
