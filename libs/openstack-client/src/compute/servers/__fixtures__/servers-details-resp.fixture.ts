import { serverGetRespV271 } from './server-get-resp.v2-71.fixture';

/**
 * GET /servers/detail, copied in shape from nova doc/api_samples/servers/servers-details-resp.json
 * (`servers` + `servers_links` with rel "next" and an absolute href, as the devcloud sends when
 * `limit` is reached: /work/captures/nova/27h-servers-list-limit.txt).
 */
export function serversDetailsResp(
  servers: Array<{ id: string; name: string; metadata?: Record<string, string> }>,
  nextHref?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    servers: servers.map(
      (s) => serverGetRespV271({ id: s.id, name: s.name, metadata: s.metadata ?? {} }).server,
    ),
  };
  if (nextHref) body['servers_links'] = [{ href: nextHref, rel: 'next' }];
  return body;
}
