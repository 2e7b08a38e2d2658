// Nova API reference, "Server groups (os-server-groups)".
export const serverGroupsUrl = (): string => '/os-server-groups';
export const serverGroupUrl = (groupId: string): string =>
  `/os-server-groups/${encodeURIComponent(groupId)}`;
