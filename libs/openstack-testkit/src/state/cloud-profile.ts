// Profiles: which cloud the fake imitates. `reference` (the default) is the API reference's
// cloud: upstream Nova's and Neutron's rules (DHCP refused on a loopback subnet, a visible delete
// phase), with short timings; `devcloud` is the Debian Zed devcloud the acceptance suites run
// against (/work/shared/devcloud/README.md, /work/captures/), as far as the fake knows it: its
// seed, quotas, missing L3 plugin, loopback-only subnets and slower lifecycle.
import type { FakeQuota } from '../fake-openstack.types';
import { defaultQuota, type SeedKind } from './cloud-state';
import { DEFAULT_SERVER_BEHAVIOUR, type ServerTiming } from './server-behaviour-registry';

export type ProfileName = 'reference' | 'devcloud';

export interface CloudProfile {
  seed: SeedKind;
  /** Neutron's L3 plugin (floating IPs, routers). */
  networkL3: boolean;
  quota: FakeQuota;
  /** Server timing when a test sets none. */
  serverTiming: ServerTiming;
  /** The devcloud's ML2 guard: only subnets inside 127.0.0.0/8 (captures/neutron/12-subnet-create-outside-127.txt). */
  loopbackSubnetsOnly: boolean;
}

export function cloudProfile(name: ProfileName): CloudProfile {
  if (name === 'devcloud') {
    return {
      seed: 'devcloud',
      networkL3: false,
      // The devcloud's demo project: instances 50, cores 50, ram 100000 MB, ports 100
      // (captures/nova/38b-quota-sets-demo.txt, captures/neutron/14-quota-demo.txt).
      quota: { ...defaultQuota(), instances: 50, cores: 50, ram: 100_000, ports: 100 },
      // Short, but every phase the devcloud shows is visible: BUILD twice (scheduling,
      // block_device_mapping), powering-off/on, deleting then DELETED before the 404.
      serverTiming: {
        ...DEFAULT_SERVER_BEHAVIOUR,
        pollsUntilActive: 2,
        actionDelayMs: 300,
        deleteDelayMs: 200,
        deletedStatusMs: 200,
      },
      loopbackSubnetsOnly: true,
    };
  }
  return {
    seed: 'reference',
    networkL3: true,
    quota: defaultQuota(),
    serverTiming: { ...DEFAULT_SERVER_BEHAVIOUR },
    loopbackSubnetsOnly: false,
  };
}
