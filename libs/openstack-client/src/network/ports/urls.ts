// Neutron API reference v2.0, "Ports".
export const portsUrl = (): string => '/ports';
export const portUrl = (portId: string): string => `/ports/${encodeURIComponent(portId)}`;
