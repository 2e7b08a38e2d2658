import type { CallOptions } from '../../session/session-types';
import { InvalidArgumentError } from '../../common/errors';
import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import { neutronGet, neutronList } from '../neutron-collection';
import { buildListPortsQuery, type ListPortsFilters } from './requests';
import { parsePort, type Port } from './results';
import * as urls from './urls';

export class PortsApi {
  constructor(private readonly session: Session) {}

  list(filters: ListPortsFilters = {}): ResourceList<Port> {
    return neutronList(
      this.session,
      urls.portsUrl(),
      'ports',
      buildListPortsQuery(filters),
      parsePort,
      filters.signal,
    );
  }

  /** Ports whose `device_id` is this id (a server's ports, for floating IP association). */
  async listByDevice(deviceId: string, options: CallOptions = {}): Promise<Port[]> {
    // An empty device_id filter would list every unattached port.
    if (!deviceId)
      throw new InvalidArgumentError('listByDevice.deviceId', 'must be a non-empty id');
    return this.list({ deviceId, signal: options.signal }).toArray();
  }

  async get(portId: string, options: CallOptions = {}): Promise<Port> {
    return neutronGet(this.session, urls.portUrl(portId), 'port', parsePort, options.signal);
  }
}
