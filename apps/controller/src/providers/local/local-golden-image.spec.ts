import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeLocalGoldenImage } from '@osa/golden-image';
import { LocalProviderConfig } from '../../config/provider.config';
import { chooseLocalImage, LocalImageError, staleImageNote } from './local-golden-image';

describe('chooseLocalImage (which bundle a local instance runs)', () => {
  let dir: string;
  let imagesDir: string;
  let builtBundle: string;

  function config(overrides: Partial<LocalProviderConfig> = {}): LocalProviderConfig {
    return Object.assign(new LocalProviderConfig(), {
      imagesDir,
      bundlePath: builtBundle,
      ...overrides,
    });
  }
  function bake(contents: string, bakedAt: string, name = 'service-golden') {
    const source = path.join(dir, `bundle-${bakedAt}.js`);
    fs.writeFileSync(source, contents);
    return writeLocalGoldenImage(imagesDir, {
      name,
      bundlePath: source,
      serviceVersion: '1.2.3',
      now: new Date(bakedAt),
    });
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-golden-image-'));
    imagesDir = path.join(dir, 'images');
    builtBundle = path.join(dir, 'main.js');
    fs.writeFileSync(builtBundle, '// built\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the built bundle before the first bake, and says so', () => {
    const choice = chooseLocalImage(config());
    expect(choice).toEqual({
      bundlePath: builtBundle,
      imageId: undefined,
      description: `the built bundle ${builtBundle}: no golden image named "service-golden" in ${imagesDir} yet`,
    });
  });

  it('picks the newest baked image of the configured name, so a re-bake takes effect at the next instance', () => {
    const older = bake('// v1\n', '2026-11-01T10:00:00.000Z');
    const newer = bake('// v2\n', '2026-11-02T10:00:00.000Z');
    bake('// other\n', '2026-11-03T10:00:00.000Z', 'another-image');
    const choice = chooseLocalImage(config());
    expect(choice.imageId).toBe(newer.id);
    expect(choice.bundlePath).toBe(path.join(imagesDir, newer.id, 'main.js'));
    expect(fs.readFileSync(choice.bundlePath, 'utf8')).toBe('// v2\n');
    expect(choice.description).toBe(
      `golden image ${newer.id} ("service-golden", service 1.2.3, baked 2026-11-02T10:00:00.000Z)`,
    );
    expect(chooseLocalImage(config({ image: 'another-image' })).bundlePath).not.toBe(
      choice.bundlePath,
    );
    expect(chooseLocalImage(config({ imageId: older.id })).bundlePath).toBe(older.bundlePath);
  });

  it('falls back to the built bundle when the store only has images of other names, counting them', () => {
    bake('// other\n', '2026-11-03T10:00:00.000Z', 'another-image');
    expect(chooseLocalImage(config())).toMatchObject({
      bundlePath: builtBundle,
      description: expect.stringContaining('(1 image(s) of other names there)'),
    });
  });

  it('refuses a pinned id that is not in the store, naming the field and the store (no fallback)', () => {
    bake('// v1\n', '2026-11-01T10:00:00.000Z');
    const pinned = '0b7d2c1e-0000-4000-8000-000000000000';
    expect(() => chooseLocalImage(config({ imageId: pinned }))).toThrow(
      new LocalImageError(
        `golden image ${pinned} (pinned by id) does not exist or is not visible to this project (provider.local.imageId; local image store ${imagesDir})`,
      ),
    );
  });

  it('names both fields and both commands when there is neither an image nor a built bundle', () => {
    expect(() => chooseLocalImage(config({ bundlePath: path.join(dir, 'missing.js') }))).toThrow(
      /no golden image named "service-golden" in .* \(provider\.local\.imagesDir\) and no built bundle at .*missing\.js \(provider\.local\.bundlePath\): bake one with `npx nx run tools:bake-image -- --provider=local`, or build the service with `npx nx build service`/,
    );
  });

  it('reports an unreadable store instead of silently running something else', () => {
    fs.mkdirSync(path.join(imagesDir, 'broken'), { recursive: true });
    fs.writeFileSync(path.join(imagesDir, 'broken', 'manifest.json'), '{ not json');
    expect(() => chooseLocalImage(config())).toThrow(
      /the local image store .*images \(provider\.local\.imagesDir\) cannot be read: .*manifest\.json: not valid JSON/,
    );
  });

  it('notes when the built bundle differs from the golden image in use, and only then', () => {
    const image = bake('// v1\n', '2026-11-01T10:00:00.000Z');
    const choice = chooseLocalImage(config());
    expect(staleImageNote(choice, config())).toMatch(
      new RegExp(
        `^the built bundle ${builtBundle} \\(sha256 [0-9a-f]{12}\\.\\.\\.\\) differs from golden image ${image.id}: instances run the baked image`,
      ),
    );
    fs.writeFileSync(builtBundle, '// v1\n');
    expect(staleImageNote(choice, config())).toBeUndefined();
    expect(
      staleImageNote(chooseLocalImage(config({ imagesDir: path.join(dir, 'empty') })), config()),
    ).toBeUndefined();
  });
});
