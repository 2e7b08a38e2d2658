import { OnceLog } from './once-log';

describe('OnceLog', () => {
  it('says a condition once until it is resolved, each condition on its own', () => {
    const lines: string[] = [];
    const once = new OnceLog<'cooldown' | 'at-capacity'>({
      log: (line: string) => lines.push(line),
      warn: () => undefined,
      error: () => undefined,
    });
    expect(once.say('cooldown', 'in cooldown 1')).toBe(true);
    expect(once.say('cooldown', 'in cooldown 2')).toBe(false);
    once.say('at-capacity', 'at capacity');
    once.resolved(['cooldown']);
    once.say('cooldown', 'in cooldown 3');
    once.say('at-capacity', 'at capacity again');
    expect(lines).toEqual(['in cooldown 1', 'at capacity', 'in cooldown 3']);
    expect(once.holding.sort()).toEqual(['at-capacity', 'cooldown']);
  });
});
