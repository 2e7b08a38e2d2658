/**
 * A private certificate authority for TLS tests, made with the `openssl` CLI (Node can read
 * X.509 certificates but not issue them). Everything lives in a temporary directory; `remove()`
 * deletes it. Keys are P-256 and certificates last two days: nothing here is worth stealing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface IssuedCertificate {
  /** PEM private key. */
  key: string;
  /** PEM certificate (the leaf only). */
  cert: string;
}

export class PrivateCa {
  private serial = 1;

  private constructor(
    readonly dir: string,
    /** Path of the CA certificate (PEM): what OS_CACERT / clouds.yaml `cacert` name. */
    readonly certPath: string,
    readonly cert: string,
    private readonly keyPath: string,
  ) {}

  /** Creates a self-signed root CA named `commonName`. Fails with a clear message without openssl. */
  static create(commonName = 'osa test root CA'): PrivateCa {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-private-ca-'));
    const keyPath = path.join(dir, 'ca.key');
    const certPath = path.join(dir, 'ca.pem');
    openssl([
      'req',
      '-x509',
      ...P256,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return new PrivateCa(dir, certPath, fs.readFileSync(certPath, 'utf8'), keyPath);
  }

  /** A server certificate signed by this CA, valid for the given IP addresses (subjectAltName). */
  issueServerCertificate(ipAddresses: string[]): IssuedCertificate {
    const name = `server-${this.serial}`;
    const keyPath = path.join(this.dir, `${name}.key`);
    const csrPath = path.join(this.dir, `${name}.csr`);
    const certPath = path.join(this.dir, `${name}.pem`);
    const extPath = path.join(this.dir, `${name}.ext`);
    fs.writeFileSync(
      extPath,
      [
        `subjectAltName=${ipAddresses.map((ip) => `IP:${ip}`).join(',')}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    openssl([
      'req',
      '-new',
      ...P256,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      `/CN=${ipAddresses[0]}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      this.certPath,
      '-CAkey',
      this.keyPath,
      '-set_serial',
      String(this.serial++),
      '-days',
      '2',
      '-extfile',
      extPath,
      '-out',
      certPath,
    ]);
    return { key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8') };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A self-signed server certificate (no CA at all) for `ipAddress`. */
export function selfSignedCertificate(ipAddress: string): IssuedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-self-signed-'));
  try {
    const keyPath = path.join(dir, 'server.key');
    const certPath = path.join(dir, 'server.pem');
    openssl([
      'req',
      '-x509',
      ...P256,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${ipAddress}`,
      '-addext',
      `subjectAltName=IP:${ipAddress}`,
    ]);
    return { key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') {
      throw new Error(
        'the openssl CLI is needed to make test certificates and is not installed (Debian/Ubuntu: apt-get install -y openssl)',
      );
    }
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() ?? err.message}`);
  }
}
