import type { ResourceList } from '../../common/pagination';
import type { Session } from '../../session/session';
import type { ListPortsFilters } from './requests';
import type { Port } from './results';

export class PortsApi {
  constructor(protected readonly session: Session) {}
  list(_filters?: ListPortsFilters): ResourceList<Port> {
    throw new Error('TODO');
  }
  /** Ports whose `device_id` is this server id. */
  listByDevice(_deviceId: string): Promise<Port[]> {
    throw new Error('TODO');
  }
  get(_portId: string): Promise<Port> {
    throw new Error('TODO');
  }
}
