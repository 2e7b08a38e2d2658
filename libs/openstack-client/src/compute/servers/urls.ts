// Nova API reference, "Servers (servers)", "Servers - run an action", "Server tags", "Server metadata".
const enc = encodeURIComponent;

export const serversUrl = (): string => '/servers';
export const serversDetailUrl = (): string => '/servers/detail';
export const serverUrl = (serverId: string): string => `/servers/${enc(serverId)}`;
export const serverActionUrl = (serverId: string): string => `/servers/${enc(serverId)}/action`;
export const serverTagsUrl = (serverId: string): string => `/servers/${enc(serverId)}/tags`;
export const serverTagUrl = (serverId: string, tag: string): string =>
  `/servers/${enc(serverId)}/tags/${enc(tag)}`;
export const serverMetadataUrl = (serverId: string): string => `/servers/${enc(serverId)}/metadata`;
export const serverMetadataItemUrl = (serverId: string, key: string): string =>
  `/servers/${enc(serverId)}/metadata/${enc(key)}`;
export const serverActionsUrl = (serverId: string): string =>
  `/servers/${enc(serverId)}/os-instance-actions`;
