import {
  GOLDEN_IMAGE_ROLE,
  GoldenImageCandidate,
  GoldenImageNotFoundError,
  goldenImagesToPrune,
  provenanceFromProperties,
  provenanceToProperties,
  selectGoldenImage,
} from './golden-image';

const baked = (id: string, bakedAt: string, extra: Partial<GoldenImageCandidate> = {}) => ({
  id,
  name: 'service-golden',
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  owner: 'p1',
  properties: provenanceToProperties({
    serviceVersion: '0.1.0',
    bundleSha256: 'ab'.repeat(32),
    sourceServerId: 'srv',
    bakedAt,
  }),
  ...extra,
});

describe('selectGoldenImage', () => {
  it('picks the newest active image of ours by bake time', () => {
    const images = [
      baked('old', '2026-02-01T00:00:00Z'),
      baked('new', '2026-03-01T00:00:00Z'),
      baked('newest-but-saving', '2026-04-01T00:00:00Z', { status: 'saving' }),
      baked('newest-but-foreign', '2026-05-01T00:00:00Z', { owner: 'p2' }),
    ];
    expect(selectGoldenImage(images, { name: 'service-golden', ownerProjectId: 'p1' }).id).toBe(
      'new',
    );
  });

  it('falls back to created_at for hand-made images (seed section 10)', () => {
    const manual = (id: string, createdAt: string) => ({
      id,
      name: 'service-golden',
      status: 'active',
      createdAt,
      properties: {},
    });
    const chosen = selectGoldenImage(
      [manual('a', '2026-01-02T00:00:00Z'), manual('b', '2026-01-03T00:00:00Z')],
      { name: 'service-golden' },
    );
    expect(chosen.id).toBe('b');
  });

  it('honours a pinned id, and refuses a pinned image that is not active', () => {
    const images = [baked('x', '2026-02-01T00:00:00Z'), baked('y', '2026-03-01T00:00:00Z')];
    expect(selectGoldenImage(images, { name: 'service-golden', pinnedId: 'x' }).id).toBe('x');
    const queued = [baked('q', '2026-02-01T00:00:00Z', { status: 'queued' })];
    expect(() => selectGoldenImage(queued, { name: 'n', pinnedId: 'q' })).toThrow(
      /golden image q \(pinned by id\) is queued/,
    );
    expect(() => selectGoldenImage(images, { name: 'n', pinnedId: 'zz' })).toThrow(
      /zz \(pinned by id\) does not exist/,
    );
  });

  it('explains what it saw when nothing qualifies', () => {
    const images = [baked('k', '2026-02-01T00:00:00Z', { status: 'killed' })];
    let error: unknown;
    try {
      selectGoldenImage(images, { name: 'service-golden', ownerProjectId: 'p1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GoldenImageNotFoundError);
    expect((error as Error).message).toContain('no active golden image named "service-golden"');
    expect((error as Error).message).toContain('k (killed, owner p1)');
    expect(() => selectGoldenImage([], { name: 'other' })).toThrow(/no image has that name/);
  });
});

describe('provenance properties', () => {
  it('round-trips and ignores images without the role', () => {
    const p = {
      serviceVersion: '1.2.3',
      bundleSha256: 'cd'.repeat(32),
      sourceServerId: 's-1',
      bakedAt: '2026-11-25T00:00:00.000Z',
    };
    const props = provenanceToProperties(p);
    expect(props.osa_role).toBe(GOLDEN_IMAGE_ROLE);
    expect(provenanceFromProperties(props)).toEqual(p);
    expect(provenanceFromProperties({ osa_service_version: '1' })).toBeUndefined();
  });
});

describe('goldenImagesToPrune', () => {
  it('keeps the newest N baked images and never touches hand-made ones', () => {
    const images = [
      baked('a', '2026-01-01T00:00:00Z'),
      baked('b', '2026-02-01T00:00:00Z'),
      baked('c', '2026-03-01T00:00:00Z'),
      {
        id: 'manual',
        name: 'service-golden',
        status: 'active',
        createdAt: '2020-01-01T00:00:00Z',
        properties: {},
      },
    ];
    expect(goldenImagesToPrune(images, 'service-golden', 1).map((i) => i.id)).toEqual(['b', 'a']);
    expect(goldenImagesToPrune(images, 'service-golden', 5)).toEqual([]);
  });
});
