import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCloudConfig } from './cloud-config';
import { writeFileIntoDisk } from './write-files';

describe('write_files into the disk', () => {
  let disk: string;
  beforeEach(() => {
    disk = fs.mkdtempSync(path.join(os.tmpdir(), 'write-files-'));
  });
  afterEach(() => fs.rmSync(disk, { recursive: true, force: true }));

  const content = 'hello\nworld\n';
  const gzB64 = gzipSync(content).toString('base64');
  it.each([
    ['text/plain', content],
    ['b64', Buffer.from(content).toString('base64')],
    ['base64', Buffer.from(content).toString('base64')],
    ['gz+b64', gzB64],
    ['gzip+base64', gzB64],
    ['gz+base64', gzB64],
    ['gzip+b64', gzB64],
  ])('decodes %s', (encoding, encoded) => {
    const [entry] = parseCloudConfig(
      `#cloud-config\nwrite_files:\n  - path: /etc/x/y.txt\n    encoding: ${encoding}\n    content: ${JSON.stringify(encoded)}\n    permissions: '0600'\n    owner: ubuntu:ubuntu\n`,
    ).writeFiles;
    const line = writeFileIntoDisk(disk, entry, 'write_files[0]');
    const written = path.join(disk, 'etc/x/y.txt');
    expect(fs.readFileSync(written, 'utf8')).toBe(content);
    expect(fs.statSync(written).mode & 0o777).toBe(0o600);
    expect(line).toContain('owner ubuntu:ubuntu ignored');
  });

  it('refuses an unknown encoding and a path that leaves the disk, naming the field', () => {
    const config = parseCloudConfig(
      '#cloud-config\nwrite_files:\n  - {path: /a, encoding: rot13, content: x}\n  - {path: /../../etc/passwd, content: x}\n',
    );
    expect(() => writeFileIntoDisk(disk, config.writeFiles[0], 'write_files[0]')).toThrow(
      /write_files\[0\]\.encoding: "rot13" is not supported \(allowed: text\/plain, b64, base64, gz, gzip, gz\+b64/,
    );
    // normalize() keeps it inside: /../../etc/passwd is /etc/passwd on the VM.
    writeFileIntoDisk(disk, config.writeFiles[1], 'write_files[1]');
    expect(fs.existsSync(path.join(disk, 'etc/passwd'))).toBe(true);
  });

  it('refuses a relative path and a non-list runcmd with the field', () => {
    expect(() =>
      parseCloudConfig('#cloud-config\nwrite_files:\n  - {path: etc/x, content: x}\n'),
    ).toThrow('user data: write_files[0].path: must be an absolute path, got "etc/x"');
    expect(() => parseCloudConfig('#cloud-config\nruncmd: 5\n')).toThrow(
      'user data: runcmd: must be a list, got number',
    );
  });
});
