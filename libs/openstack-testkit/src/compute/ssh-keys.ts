// SSH key material for the fake keypair API: OpenSSH public keys, Nova's MD5 fingerprint, and
// RSA generation (Nova before 2.92 generates a pair when no public key is given).
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function sshMpint(base64url: string): Buffer {
  let bytes = Buffer.from(base64url, 'base64url');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** The decoded key blob of an OpenSSH public key line, or null when it is not one. */
export function parsePublicKey(line: string): Buffer | null {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521))$/.test(parts[0]))
    return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) return null;
  const blob = Buffer.from(parts[1], 'base64');
  if (blob.length < 4) return null;
  const typeLength = blob.readUInt32BE(0);
  if (typeLength + 4 > blob.length || blob.subarray(4, 4 + typeLength).toString() !== parts[0])
    return null;
  return blob;
}

/** Nova's fingerprint: MD5 of the key blob as colon-separated hex. */
export function fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

export function generateRsaKeypair(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(jwk.e as string),
    sshMpint(jwk.n as string),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
