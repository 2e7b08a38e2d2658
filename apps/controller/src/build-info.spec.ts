import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatVersion, readBuildInfo } from './build-info';

describe('readBuildInfo', () => {
  it('reads the workspace version and the checkout commit from where the code sits', () => {
    const workspace = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'),
    ) as { version: string };
    const info = readBuildInfo(__dirname);
    expect(info.version).toBe(workspace.version);
    expect(info.commit).toMatch(/^([0-9a-f]{12}|unknown)$/);
    expect(formatVersion(info)).toBe(
      `openstack-autoscaler controller ${info.version} (commit ${info.commit})`,
    );
  });

  it('says unknown, rather than guessing, outside the workspace', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-info-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'something-else', version: '9.9.9' }),
      );
      expect(readBuildInfo(dir)).toEqual({ version: 'unknown', commit: 'unknown' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
