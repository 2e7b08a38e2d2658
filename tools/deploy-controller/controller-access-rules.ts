/**
 * The API calls the controller makes (apps/controller/src/providers/openstack), as Keystone access
 * rules: the application credential on the VM can make these and nothing else, where the cloud
 * enforces access rules. Keep in step with openstack-instance-provider.ts, its placement/ (quota,
 * server group) and the refresh's metadata checkpoints.
 */
import type { AccessRule } from '@osa/openstack-client';

export const CONTROLLER_ACCESS_RULES: readonly AccessRule[] = [
  // servers: adopt the original by name, list the group, create, poll, delete
  { service: 'compute', method: 'GET', path: '/v2.1/servers' },
  { service: 'compute', method: 'GET', path: '/v2.1/servers/**' },
  { service: 'compute', method: 'POST', path: '/v2.1/servers' },
  { service: 'compute', method: 'DELETE', path: '/v2.1/servers/*' },
  // refresh checkpoints and image marks in server metadata
  { service: 'compute', method: 'POST', path: '/v2.1/servers/*/metadata' },
  { service: 'compute', method: 'PUT', path: '/v2.1/servers/*/metadata' },
  { service: 'compute', method: 'PUT', path: '/v2.1/servers/*/metadata/*' },
  // quota awareness (placement/): the project's limits and usage before a create
  { service: 'compute', method: 'GET', path: '/v2.1/limits' },
  { service: 'compute', method: 'GET', path: '/v2.1/os-quota-sets/**' },
  // provider.openstack.serverGroup: find or create the group
  { service: 'compute', method: 'GET', path: '/v2.1/os-server-groups' },
  { service: 'compute', method: 'GET', path: '/v2.1/os-server-groups/*' },
  { service: 'compute', method: 'POST', path: '/v2.1/os-server-groups' },
  // flavor by name, microversion discovery
  { service: 'compute', method: 'GET', path: '/v2.1/flavors/**' },
  { service: 'compute', method: 'GET', path: '/v2.1' },
  // the golden image by name or id
  { service: 'image', method: 'GET', path: '/v2/images' },
  { service: 'image', method: 'GET', path: '/v2/images/*' },
  // the network by name or id
  { service: 'network', method: 'GET', path: '/v2.0/networks' },
  { service: 'network', method: 'GET', path: '/v2.0/networks/*' },
];
