import { InstanceSnapshot, InstanceStatus } from '../../providers/instance-provider';
import {
  chooseWarmServer,
  judgeWarmServer,
  planWarmPool,
  WarmMemberView,
  WarmPoolPlanInput,
} from './warm-state';

function server(status: InstanceStatus, state?: string): InstanceSnapshot {
  return {
    id: `id-${status}-${state}`,
    name: 'service-auto-x',
    status,
    metadata: { 'osa:group': 'service', ...(state ? { 'osa:state': state } : {}) },
  };
}

describe('judgeWarmServer: what restart recovery does with each group server (kill -9 at any step)', () => {
  it.each<[string, InstanceStatus, string | undefined, string]>([
    ['an ordinary instance', 'ACTIVE', undefined, 'not-warm'],
    ['one admitted after a warm start', 'ACTIVE', 'in-service', 'not-warm'],
    ['killed during a fill (booting)', 'BUILD', 'warming', 'delete'],
    ['killed during a fill (after os-stop, before the warm mark)', 'SHUTOFF', 'warming', 'delete'],
    ['a warm server', 'SHUTOFF', 'warm', 'keep-warm'],
    ['a warm server someone started by hand', 'ACTIVE', 'warm', 'delete'],
    [
      'killed after the starting mark, before os-start took effect',
      'SHUTOFF',
      'starting',
      'roll-back-to-warm',
    ],
    ['killed after os-start, once ACTIVE', 'ACTIVE', 'starting', 'finish-start'],
    ['taken, then ERROR', 'ERROR', 'starting', 'delete'],
    ['gone already', 'DELETED', 'warm', 'not-warm'],
  ])('%s (%s, osa:state=%s): %s', (_what, status, state, verdict) => {
    expect(judgeWarmServer(server(status, state)).kind).toBe(verdict);
  });
});

const member = (id: string, createdEpochMs: number, imageId = 'img-new'): WarmMemberView => ({
  id,
  createdEpochMs,
  imageId,
});
const input = (overrides: Partial<WarmPoolPlanInput>): WarmPoolPlanInput => ({
  size: 2,
  members: [],
  filling: 0,
  replacing: 0,
  currentImageId: 'img-new',
  refillNotBeforeMs: 0,
  stopping: false,
  recovered: true,
  ...overrides,
});

describe('planWarmPool (manual time: plain numbers)', () => {
  it('fills up to the size, counting fills in progress', () => {
    expect(planWarmPool(input({}), 1_000)).toEqual({ fill: 2, remove: [] });
    expect(planWarmPool(input({ members: [member('a', 1)], filling: 1 }), 1_000)).toEqual({
      fill: 0,
      remove: [],
    });
  });

  it('creates nothing before restart recovery listed the group, nor while shutting down', () => {
    expect(planWarmPool(input({ recovered: false }), 0)).toMatchObject({
      fill: 0,
      held: 'not-recovered',
    });
    expect(planWarmPool(input({ stopping: true }), 0)).toMatchObject({ fill: 0, held: 'stopping' });
  });

  it('holds refills during the back-off, and fills once it is over', () => {
    expect(planWarmPool(input({ refillNotBeforeMs: 5_000 }), 4_999)).toEqual({
      fill: 0,
      remove: [],
      held: 'backing-off',
    });
    expect(planWarmPool(input({ refillNotBeforeMs: 5_000 }), 5_000)).toEqual({
      fill: 2,
      remove: [],
    });
  });

  it('replaces stale warm servers one at a time, oldest first, refilling in its place', () => {
    const members = [
      member('newer-stale', 20, 'img-old'),
      member('fresh', 5),
      member('oldest-stale', 10, 'img-old'),
    ];
    const first = planWarmPool(input({ size: 3, members }), 0);
    expect(first.remove.map((m) => m.id)).toEqual(['oldest-stale']);
    expect(first.fill).toBe(1);
    // While that replacement runs, the next stale one waits.
    const during = planWarmPool(
      input({
        size: 3,
        members: members.filter((m) => m.id !== 'oldest-stale'),
        filling: 1,
        replacing: 1,
      }),
      0,
    );
    expect(during).toEqual({ fill: 0, remove: [] });
  });

  it('removes the oldest ones above the size (the size was lowered)', () => {
    const members = [member('b', 2), member('a', 1), member('c', 3)];
    expect(planWarmPool(input({ size: 1, members }), 0)).toEqual({
      fill: 0,
      remove: [members[1], members[0]],
    });
  });

  it('does not judge staleness while the golden image is unknown', () => {
    expect(
      planWarmPool(
        input({ members: [member('a', 1, 'img-old'), member('b', 2)], currentImageId: undefined }),
        0,
      ),
    ).toEqual({ fill: 0, remove: [] });
  });
});

describe('chooseWarmServer', () => {
  it('takes the oldest warm server of the current image, never a stale one', () => {
    const members = [member('stale', 1, 'img-old'), member('young', 30), member('old', 10)];
    expect(chooseWarmServer(members, 'img-new')?.id).toBe('old');
    expect(chooseWarmServer([member('stale', 1, 'img-old')], 'img-new')).toBeUndefined();
    expect(chooseWarmServer([], 'img-new')).toBeUndefined();
  });
});
