// Nova API reference, "Quota sets (os-quota-sets)" and "Limits (limits)".
export const quotaSetDetailUrl = (projectId: string): string =>
  `/os-quota-sets/${encodeURIComponent(projectId)}/detail`;
export const limitsUrl = (): string => '/limits';
