import { BlockList, isIP } from 'node:net';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { Secret } from '@osa/openstack-client';
import { Allowed, IntegerIn, IpAddress } from './config-rules';
import { SecretField } from './secret-field';

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (`::ffff:127.0.0.1`): only this host can connect there. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * RFC 6750 `b64token` characters, at least 32 of them (128 bits as hex): what `openssl rand -hex 32`
 * or `-base64 32` prints. Spaces, quotes and control characters would break the header or the YAML.
 */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]{32,1024}=*$/;

/**
 * The admin listener binds only loopback unless a bearer token protects it: reported on
 * `listenHost`, where the decision is made (an invalid IP is left to @IpAddress's message).
 */
function LoopbackUnlessTokenSet(): PropertyDecorator {
  return ValidateBy({
    name: 'loopbackUnlessTokenSet',
    validator: {
      validate: (value: unknown, args) =>
        typeof value !== 'string' ||
        isIP(value) === 0 ||
        isLoopbackAddress(value) ||
        (args?.object as AdminConfig).bearerToken !== undefined,
      defaultMessage: () =>
        'is not a loopback address, so admin.bearerToken must be set (anyone who can reach the listener could read /status and call every admin route): ' +
        'set admin.bearerToken or OSA_ADMIN__BEARER_TOKEN (e.g. `openssl rand -hex 32`), or keep listenHost on 127.0.0.1',
    },
  });
}

/** The admin listener (Nest's own HTTP server): /healthz, /status and the other admin routes, apart from the proxy. */
export class AdminConfig {
  /**
   * Loopback by default: the admin surface is not for the outside world. Any other address
   * needs `bearerToken` (the controller refuses to start without it).
   */
  @IpAddress()
  @LoopbackUnlessTokenSet()
  listenHost = '127.0.0.1';

  /** 0 = an ephemeral port (tests). */
  @IntegerIn(0, 65535)
  listenPort = 8001;

  /**
   * When set, every admin request needs `Authorization: Bearer <token>`, on loopback too.
   * Held as a Secret: printing the config (or a validation message) shows `***`.
   */
  @SecretField()
  @Transform(({ value }) => (typeof value === 'string' ? new Secret(value) : value), {
    toClassOnly: true,
  })
  @Allowed(
    'a token of 32 to 1024 characters from A-Z a-z 0-9 - . _ ~ + / (optionally ending in =), e.g. the output of `openssl rand -hex 32` ' +
      '(in OSA_ADMIN__BEARER_TOKEN, quote a value YAML would read as a number)',
    (value) =>
      value === undefined || (value instanceof Secret && BEARER_TOKEN.test(value.reveal())),
  )
  bearerToken?: Secret;
}
