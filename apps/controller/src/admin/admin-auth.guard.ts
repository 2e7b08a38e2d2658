import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AdminConfig, isLoopbackAddress } from '../config/admin.config';

/** Shown in `WWW-Authenticate` (RFC 6750 §3) so a client knows which credentials are asked for. */
const REALM = 'osa-controller-admin';

const STATIC_PAGE_ASSET = 'osa:admin-static-page-asset';

/**
 * Marks a route that serves the dashboard's own static files (HTML, JS, CSS: no data, no action).
 * A browser loads them by navigation, which cannot carry `Authorization`; the page then asks for
 * the token and sends it on every API call. The Host and Origin rules still apply.
 */
export const StaticPageAsset = (): MethodDecorator & ClassDecorator =>
  SetMetadata(STATIC_PAGE_ASSET, true);

/**
 * Every admin route, whoever adds it (registered once as APP_GUARD in AdminModule):
 *
 * - `admin.bearerToken` set: `Authorization: Bearer <token>` required, on loopback too. The
 *   presented and expected tokens are compared as SHA-256 digests with `timingSafeEqual`, so
 *   neither their contents nor their lengths show in the response time. Missing or wrong: 401
 *   with `WWW-Authenticate: Bearer` (RFC 6750: `error="invalid_token"` when one was presented).
 * - No token (the config allows that only on a loopback listener): no credentials, but a browser
 *   must not be able to drive the API from a web page. `Host` must name a loopback address or
 *   `localhost` (a DNS-rebinding page sends its own name), and a request carrying an `Origin` other
 *   than the listener's own (every cross-site fetch or form POST carries one; curl and Prometheus
 *   send none) is refused: 403. The same origin is the dashboard at /ui, served by this listener.
 * - Routes marked @StaticPageAsset() need no bearer token (see there).
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;
  private readonly loopbackListener: boolean;

  constructor(
    config: AdminConfig,
    private readonly reflector: Reflector,
  ) {
    this.expectedDigest = config.bearerToken ? digest(config.bearerToken.reveal()) : undefined;
    this.loopbackListener = isLoopbackAddress(config.listenHost);
    new Logger('AdminAuth').log(
      this.expectedDigest
        ? 'admin routes need Authorization: Bearer <admin.bearerToken>'
        : 'admin routes need no credentials (loopback listener, no admin.bearerToken): any local process can call them',
    );
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<IncomingMessage>();
    const staticAsset =
      this.reflector.getAllAndOverride<boolean>(STATIC_PAGE_ASSET, [
        context.getHandler(),
        context.getClass(),
      ]) === true;
    if (this.expectedDigest && !staticAsset)
      return this.checkBearer(request, http.getResponse<ServerResponse>(), this.expectedDigest);
    if (this.expectedDigest) return true;
    // Fail closed should a non-loopback listener ever run without a token (the config refuses it).
    if (!this.loopbackListener)
      throw new ForbiddenException(
        'the admin listener is not on loopback and no admin.bearerToken is set',
      );
    if (!isLoopbackHost(request.headers.host)) {
      throw new ForbiddenException(
        'Host must name a loopback address (127.0.0.1, [::1], localhost) when no admin.bearerToken is set',
      );
    }
    if (
      request.headers.origin !== undefined &&
      request.headers.origin !== `http://${request.headers.host}`
    ) {
      throw new ForbiddenException(
        'browser (Origin) requests are refused when no admin.bearerToken is set',
      );
    }
    return true;
  }

  private checkBearer(
    request: IncomingMessage,
    response: ServerResponse,
    expected: Buffer,
  ): boolean {
    const presented = bearerTokenOf(request.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return true;
    const challenge =
      presented === undefined
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token"`;
    response.setHeader('WWW-Authenticate', challenge);
    throw new UnauthorizedException(
      presented === undefined
        ? 'admin routes need Authorization: Bearer <admin.bearerToken>'
        : 'the bearer token is not the admin token',
    );
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The credentials of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1). */
function bearerTokenOf(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer +(\S+) *$/i);
  return match?.[1];
}

/** `Host` of a request sent to a loopback literal or localhost (with or without a port). */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const bracketed = host.match(/^\[([^\]]+)\](?::\d+)?$/);
  const name = bracketed ? bracketed[1] : host.replace(/:\d+$/, '');
  return name.toLowerCase() === 'localhost' || isLoopbackAddress(name);
}
