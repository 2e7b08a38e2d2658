import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Secret } from '@osa/openstack-client';
import { describeOrSkip } from '@osa/openstack-testkit';
import { TestSshd } from '../../test-support/test-sshd';
import { COMPLETE_FILE, incomingDir, RELEASE_FILE } from '../controller-vm-files';
import { SshDelivery } from './ssh-delivery';
import type { DeliveryFiles } from './vm-delivery';

const CLOUDS_SECRET = 'application_credential_secret: s3cr3t-only-in-clouds-yaml';
const ENV_SECRET = 'OSA_ADMIN_TOKEN=t0ken-only-in-controller-env';

/** The files deploy-controller hands to a delivery, with a small release of known bytes. */
function deliveryFiles(dir: string): DeliveryFiles {
  const release = path.join(dir, 'release.tar.gz');
  fs.writeFileSync(release, Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
  return {
    release,
    controllerYaml: 'proxy:\n  listenPort: 8000\n',
    cloudsYaml: new Secret(`clouds:\n  osa:\n    auth:\n      ${CLOUDS_SECRET}\n`),
    controllerEnv: new Secret(`${ENV_SECRET}\n`),
  };
}

/** Temporary directories the delivery makes for its batch and secret files (removed after each run). */
function deliveryTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('osa-deploy-'));
}

/**
 * SshDelivery (`--delivery ssh`, seed section 11's way onto the controller VM) against a real
 * OpenSSH server on loopback: what lands on the VM, with which modes, COMPLETE last; the retry
 * while sshd is not up yet; a key the server refuses fails by the deadline with sftp's words.
 */
describeOrSkip(
  'ssh delivery: sftp to a real sshd',
  () => {
    jest.setTimeout(60_000);
    let sshd: TestSshd;
    let prepared: TestSshd | undefined;
    let work: string | undefined;
    beforeEach(async () => {
      prepared = undefined;
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-ssh-delivery-spec-'));
      sshd = prepared = await TestSshd.prepare();
    });
    afterEach(async () => {
      await prepared?.remove();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const target = (): { serverId: string; address: string } => ({
      serverId: 'controller-id',
      address: sshd.address,
    });
    const delivery = (keyFile: string): SshDelivery =>
      new SshDelivery(keyFile, sshd.user, ['-P', String(sshd.port)]);

    it('puts the release, controller.yaml, clouds.yaml and controller.env in the incoming directory (0700, secrets 0600), COMPLETE last', async () => {
      await sshd.start();
      const files = deliveryFiles(work as string);
      const progress: string[] = [];
      const tempDirsBefore = deliveryTempDirs();
      await delivery(sshd.keyFile).deliver(
        target(),
        files,
        Date.now() + 30_000,
        new AbortController().signal,
        (line) => progress.push(line),
      );

      const incoming = sshd.pathOnServer(incomingDir(sshd.user));
      const mode = (name: string): string =>
        (fs.statSync(path.join(incoming, name)).mode & 0o777).toString(8);
      expect(mode('.')).toBe('700');
      expect(fs.readFileSync(path.join(incoming, RELEASE_FILE))).toEqual(
        fs.readFileSync(files.release),
      );
      expect(fs.readFileSync(path.join(incoming, 'controller.yaml'), 'utf8')).toBe(
        files.controllerYaml,
      );
      expect(fs.readFileSync(path.join(incoming, 'clouds.yaml'), 'utf8')).toBe(
        files.cloudsYaml.reveal(),
      );
      expect(fs.readFileSync(path.join(incoming, 'controller.env'), 'utf8')).toBe(
        files.controllerEnv.reveal(),
      );
      expect([mode('clouds.yaml'), mode('controller.env')]).toEqual(['600', '600']);
      // COMPLETE is written last: the installer never sees half an upload.
      const written = (name: string): number => fs.statSync(path.join(incoming, name)).mtimeMs;
      for (const name of [RELEASE_FILE, 'controller.yaml', 'clouds.yaml', 'controller.env'])
        expect(written(COMPLETE_FILE)).toBeGreaterThanOrEqual(written(name));
      expect(progress).toEqual([]); // connected at the first attempt
      // The secrets went through the encrypted channel only: not in a progress line or sshd's
      // log, and the local copies (a 0700 temporary directory) are gone.
      for (const text of [progress.join('\n'), sshd.output]) {
        expect(text).not.toContain('s3cr3t');
        expect(text).not.toContain('t0ken');
      }
      expect(sshd.output).toMatch(/Accepted publickey for \S+ from 127\./);
      expect(deliveryTempDirs()).toEqual(tempDirsBefore);
    });

    it('retries while sshd does not answer yet (the VM still booting), then delivers', async () => {
      const files = deliveryFiles(work as string);
      const progress: string[] = [];
      const delivered = delivery(sshd.keyFile).deliver(
        target(),
        files,
        Date.now() + 45_000,
        new AbortController().signal,
        (line) => progress.push(line),
      );
      // sshd comes up once the first attempt has been refused.
      const deadline = Date.now() + 20_000;
      while (progress.length === 0) {
        if (Date.now() > deadline) throw new Error('no failed first attempt reported in 20 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await sshd.start();
      await delivered;
      expect(progress[0]).toMatch(/^sftp attempt 1: .*Connection refused.*; retrying in 5s$/);
      expect(
        fs.existsSync(path.join(sshd.pathOnServer(incomingDir(sshd.user)), COMPLETE_FILE)),
      ).toBe(true);
    });

    it("a key the VM does not accept fails by the deadline with sftp's reason, and delivers nothing", async () => {
      await sshd.start();
      const failure = await delivery(sshd.strangerKeyFile)
        .deliver(
          target(),
          deliveryFiles(work as string),
          // One attempt (a failure within 5 s of the deadline is final), with time for sftp to
          // be refused on a loaded machine.
          Date.now() + 4_900,
          new AbortController().signal,
          () => undefined,
        )
        .then(
          () => undefined,
          (error: Error) => error.message,
        );
      expect(failure).toMatch(
        new RegExp(
          `^sftp to ${sshd.user}@${sshd.address.replace(/\./g, '\\.')} failed \\(exit 255\\): .*Permission denied \\(publickey\\)`,
        ),
      );
      expect(fs.existsSync(sshd.pathOnServer(incomingDir(sshd.user)))).toBe(false);
    });
  },
  TestSshd.unavailableReason(),
  'ssh-delivery.spec',
);
