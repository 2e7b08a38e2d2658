import { TargetTrackingPolicy } from './target-tracking-policy';

describe('TargetTrackingPolicy', () => {
  it('recommends ceil(total / target) instances at once, so a scale-out reacts within one evaluation', () => {
    let load = 0;
    const policy = new TargetTrackingPolicy('requests-per-second', 10, 60_000, () => load);
    expect(policy.evaluate(0, 1)).toMatchObject({ total: 0, recommended: 0 });
    load = 20;
    expect(policy.evaluate(1_000, 1)).toMatchObject({ total: 20, perInstance: 20, recommended: 2 });
    load = 20.5;
    expect(policy.evaluate(2_000, 2)).toMatchObject({ perInstance: 10.25, recommended: 3 });
    // 3 x 0.1 targets: floating point must not turn exactly-on-target into one instance more.
    const fractional = new TargetTrackingPolicy('in-flight', 0.1, 1_000, () => 0.30000000000000004);
    expect(fractional.evaluate(0, 3).recommended).toBe(3);
  });

  it('allows a scale-in only to the highest recommendation of the whole sustained window (no flapping)', () => {
    let load = 40;
    const policy = new TargetTrackingPolicy('requests-per-second', 10, 5_000, () => load);
    expect(policy.evaluate(0, 4).sustainedRecommended).toBeUndefined(); // window not covered yet
    load = 5;
    for (let atMs = 1_000; atMs <= 4_000; atMs += 1_000)
      expect(policy.evaluate(atMs, 4).sustainedRecommended).toBeUndefined();
    // At 5 s the window is covered but still holds the 40/s sample from t=0.
    expect(policy.evaluate(5_000, 4)).toMatchObject({ recommended: 1, sustainedRecommended: 4 });
    expect(policy.evaluate(6_000, 4)).toMatchObject({ recommended: 1, sustainedRecommended: 1 });
    // One spike inside the window holds the scale-in back for another whole window.
    load = 25;
    expect(policy.evaluate(7_000, 4).sustainedRecommended).toBe(3);
    load = 5;
    expect(policy.evaluate(11_000, 4).sustainedRecommended).toBe(3);
    expect(policy.evaluate(12_001, 4).sustainedRecommended).toBe(1);
  });

  it('starts the sustained window again after restartWindow (a manual scale is not undone at once)', () => {
    const policy = new TargetTrackingPolicy('in-flight', 4, 3_000, () => 1);
    policy.evaluate(0, 3);
    expect(policy.evaluate(3_000, 3).sustainedRecommended).toBe(1);
    policy.restartWindow(3_500);
    expect(policy.evaluate(4_000, 3).sustainedRecommended).toBeUndefined();
    expect(policy.evaluate(6_500, 3).sustainedRecommended).toBe(1);
  });
});
