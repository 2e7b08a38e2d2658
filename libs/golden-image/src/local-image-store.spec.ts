import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectGoldenImage } from './golden-image';
import {
  deleteLocalGoldenImage,
  listLocalGoldenImages,
  LocalImageStoreError,
  sha256OfFile,
  writeLocalGoldenImage,
} from './local-image-store';

describe('local image store', () => {
  let dir: string;
  let bundle: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-images-'));
    bundle = path.join(dir, 'bundle.js');
    fs.writeFileSync(bundle, 'console.log("service")\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a complete image with provenance and lists it', () => {
    const root = path.join(dir, 'images');
    const image = writeLocalGoldenImage(root, {
      name: 'service-golden',
      bundlePath: bundle,
      serviceVersion: '0.1.0',
    });
    expect(fs.readFileSync(image.bundlePath, 'utf8')).toBe('console.log("service")\n');
    expect(image.properties.osa_bundle_sha256).toBe(sha256OfFile(bundle));
    const listed = listLocalGoldenImages(root);
    expect(listed.map((i) => i.id)).toEqual([image.id]);
    expect(fs.readdirSync(root).filter((n) => n.startsWith('.partial-'))).toEqual([]);
  });

  it('selects the newest of several bakes and forgets deleted ones', () => {
    const root = path.join(dir, 'images');
    const first = writeLocalGoldenImage(root, {
      name: 'service-golden',
      bundlePath: bundle,
      serviceVersion: '1',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const second = writeLocalGoldenImage(root, {
      name: 'service-golden',
      bundlePath: bundle,
      serviceVersion: '2',
      now: new Date('2026-02-01T00:00:00Z'),
    });
    expect(selectGoldenImage(listLocalGoldenImages(root), { name: 'service-golden' }).id).toBe(
      second.id,
    );
    deleteLocalGoldenImage(root, second.id);
    expect(selectGoldenImage(listLocalGoldenImages(root), { name: 'service-golden' }).id).toBe(
      first.id,
    );
  });

  it('names the missing bundle and the corrupt manifest', () => {
    expect(() =>
      writeLocalGoldenImage(dir, {
        name: 'g',
        bundlePath: path.join(dir, 'nope.js'),
        serviceVersion: '1',
      }),
    ).toThrow(/nope\.js does not exist; build it first/);
    fs.mkdirSync(path.join(dir, 'broken'));
    fs.writeFileSync(path.join(dir, 'broken', 'manifest.json'), '{not json');
    expect(() => listLocalGoldenImages(dir)).toThrow(LocalImageStoreError);
    expect(() => listLocalGoldenImages(dir)).toThrow(/broken\/manifest\.json: not valid JSON/);
  });

  it('holds no images when the directory does not exist', () => {
    expect(listLocalGoldenImages(path.join(dir, 'absent'))).toEqual([]);
  });
});
