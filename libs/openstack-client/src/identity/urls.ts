import { ConfigError } from '../common/errors';

/**
 * The Keystone v3 base from an auth URL given with or without `/v3` (openrc files use both),
 * e.g. `https://keystone.example:5000` and `https://keystone.example:5000/v3/` -> `.../v3`.
 */
export function identityV3Base(authUrl: string, where = 'auth_url'): string {
  let url: URL;
  try {
    url = new URL(authUrl);
  } catch {
    throw new ConfigError(
      where,
      `"${authUrl}" is not a URL`,
      'expected an http:// or https:// URL such as https://keystone.example:5000/v3',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      where,
      `"${authUrl}" is not an http(s) URL`,
      'expected an http:// or https:// URL',
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/v2(\.0)?$/.test(path)) {
    throw new ConfigError(
      where,
      `"${authUrl}" points at Keystone v2.0, which this client does not speak`,
      'expected a Keystone v3 URL, ending in /v3 or the bare root',
    );
  }
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** POST /v3/auth/tokens (Keystone API reference "Password authentication with scoped authorization"). */
export function tokensUrl(authUrl: string): string {
  return `${identityV3Base(authUrl)}/auth/tokens`;
}
