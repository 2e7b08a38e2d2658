import { FailureBackoff } from './backoff';

describe('FailureBackoff', () => {
  it('doubles per failure in a row up to the cap, and a success clears it', () => {
    const backoff = new FailureBackoff(1_000, 5_000);
    expect(backoff.waitMs(0)).toBe(0);
    expect([backoff.failed(0), backoff.failed(0), backoff.failed(0), backoff.failed(0)]).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(backoff.view(1_000)).toEqual({ consecutiveFailures: 4, nextAllowedInMs: 4_000 });
    backoff.succeeded();
    expect(backoff.view(1_000)).toEqual({ consecutiveFailures: 0, nextAllowedInMs: 0 });
    expect(backoff.failed(10_000)).toBe(1_000);
  });
});
