import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLIENT_VERSION } from './version';

describe('CLIENT_VERSION', () => {
  it("is the package's own version, so the User-Agent names the release a user installed", () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(CLIENT_VERSION).toBe(manifest.version);
  });
});
