export interface ListFloatingIpsFilters {
  portId?: string;
  floatingNetworkId?: string;
  floatingIpAddress?: string;
  fixedIpAddress?: string;
  status?: string;
}

export interface CreateFloatingIpOptions {
  /** The external network to allocate from. */
  floatingNetworkId: string;
  /** Associate at once with this port. */
  portId?: string;
  fixedIpAddress?: string;
  description?: string;
}

export interface AssociateFloatingIpOptions {
  portId: string;
  /** Needed when the port has several fixed IPs. */
  fixedIpAddress?: string;
}
