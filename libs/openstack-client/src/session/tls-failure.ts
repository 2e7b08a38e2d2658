/**
 * Turns Node's TLS errors into messages that say what is wrong with the certificate and what to
 * do about it. These failures are permanent for a given setup: the session never retries them.
 */

/** OpenSSL verification results meaning "no CA we trust signed this chain": OS_CACERT fixes them. */
const UNTRUSTED_CHAIN_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);

const VALIDITY_CODES: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** Other certificate verdicts: the certificate itself is unusable, whoever signed it. */
const REJECTED_CERT_CODES: ReadonlySet<string> = new Set([
  'CERT_REVOKED',
  'CERT_REJECTED',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED',
]);

/**
 * A message for a TLS failure (`nodeMessage` is Node's own, e.g. "self-signed certificate in
 * certificate chain"), or undefined when the error is not about TLS.
 */
export function describeTlsFailure(
  code: string | undefined,
  nodeMessage: string,
): string | undefined {
  if (code === undefined) return undefined;
  if (UNTRUSTED_CHAIN_CODES.has(code)) {
    return (
      `TLS certificate not trusted: ${nodeMessage}. The server's certificate is not signed by a CA ` +
      'this client trusts: set OS_CACERT (or `cacert` in clouds.yaml) to the PEM file of the CA that signed it'
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `TLS certificate does not match the host: ${nodeMessage}. Use a URL with a host name or ` +
      'address the certificate lists (auth_url, or the endpoint in the Keystone catalog), or reissue the certificate'
    );
  }
  if (VALIDITY_CODES.has(code)) {
    return `TLS certificate not valid at this time: ${nodeMessage}. Renew the certificate, or check this machine's clock`;
  }
  if (REJECTED_CERT_CODES.has(code)) {
    return `TLS certificate rejected: ${nodeMessage}`;
  }
  // An https:// URL pointing at a plain-http port: the "TLS record" we read is an HTTP answer.
  if (
    code === 'EPROTO' &&
    /wrong version number|packet length too long|http request/i.test(nodeMessage)
  ) {
    return (
      'TLS handshake failed: the server did not answer in TLS (is this an https:// URL for an ' +
      `http-only endpoint? check the URL's scheme). ${firstLine(nodeMessage)}`
    );
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS handshake failed: ${firstLine(nodeMessage)}`;
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
