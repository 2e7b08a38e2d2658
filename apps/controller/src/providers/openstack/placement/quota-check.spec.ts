import { placementFaultLine } from './placement-fault';
import { quotaShortfall } from './quota-check';

const flavor = { name: 'm1.small', vcpus: 2, ramMb: 2048 };
const quota = (instances: [number, number], cores: [number, number], ram: [number, number]) => ({
  instances: { limit: instances[0], used: instances[1] },
  cores: { limit: cores[0], used: cores[1] },
  ramMb: { limit: ram[0], used: ram[1] },
});

describe('quota check before a create (pure)', () => {
  it('fits: nothing to say; -1 is unlimited', () => {
    expect(quotaShortfall(quota([10, 2], [20, 4], [51200, 4096]), flavor)).toBeUndefined();
    expect(quotaShortfall(quota([-1, 200], [-1, 400], [-1, 1e6]), flavor)).toBeUndefined();
  });

  it("names the quota in Nova's order (instances, cores, ram) and by how much", () => {
    expect(quotaShortfall(quota([2, 2], [1, 4], [0, 1]), flavor)).toMatchObject({
      quota: 'instances',
      needed: 1,
      used: 2,
      limit: 2,
      over: 1,
    });
    const cores = quotaShortfall(quota([10, 2], [5, 4], [51200, 0]), flavor);
    expect(cores).toMatchObject({ quota: 'cores', needed: 2, over: 1 });
    expect(cores?.message).toBe(
      'quota cores: the next instance (flavor m1.small: 2 vCPU, 2048 MiB) needs 2 vCPUs, 4 vCPUs of 5 vCPUs are used: 1 vCPUs over; no create call until usage or the quota changes',
    );
    expect(quotaShortfall(quota([10, 2], [20, 4], [5000, 4096]), flavor)).toMatchObject({
      quota: 'ram',
      needed: 2048,
      over: 1144,
    });
  });
});

describe('placement faults', () => {
  const hard = { name: 'web', policy: 'anti-affinity' as const };
  it('NoValidHost in a hard anti-affinity group is one clear line', () => {
    expect(
      placementFaultLine('No valid host was found. There are not enough hosts available.', hard),
    ).toBe(
      'no host left that satisfies anti-affinity for group web; use soft-anti-affinity or add hosts (Nova: "No valid host was found. There are not enough hosts available.")',
    );
  });
  it('a cloud without the group filter says so; soft policies and other faults are not placement blocks', () => {
    expect(
      placementFaultLine(
        'ServerGroup policy is not supported: ServerGroupAntiAffinityFilter not configured',
        hard,
      ),
    ).toMatch(/^the cloud cannot apply anti-affinity for group web/);
    expect(
      placementFaultLine('No valid host was found.', { name: 'web', policy: 'soft-anti-affinity' }),
    ).toBeUndefined();
    expect(placementFaultLine('Build of instance aborted', hard)).toBeUndefined();
    expect(placementFaultLine('No valid host was found.', undefined)).toBeUndefined();
  });
});
