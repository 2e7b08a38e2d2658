/**
 * Nova "Show Details of Specific API Version" (GET /v2.1/), copied in shape from
 * nova doc/api_samples/versions/v21-version-get-resp.json. The devcloud (Zed) answers min 2.1,
 * max 2.93 (/work/captures/nova/02-get-v2.1.txt).
 */
export function v21VersionGetResp(
  selfUrl: string,
  maxVersion = '2.93',
  minVersion = '2.1',
): Record<string, unknown> {
  return {
    version: {
      id: 'v2.1',
      links: [
        { href: selfUrl, rel: 'self' },
        { href: 'http://docs.openstack.org/', rel: 'describedby', type: 'text/html' },
      ],
      'media-types': [
        { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
      ],
      status: 'CURRENT',
      version: maxVersion,
      min_version: minVersion,
      updated: '2013-07-23T11:33:21Z',
    },
  };
}

/** nova doc/api_samples/versions/versions-get-resp.json (GET /): both v2.0 and v2.1 listed. */
export function versionsGetResp(rootUrl: string, maxVersion = '2.93'): Record<string, unknown> {
  return {
    versions: [
      {
        id: 'v2.0',
        links: [{ href: `${rootUrl}/v2/`, rel: 'self' }],
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
      },
      {
        id: 'v2.1',
        links: [{ href: `${rootUrl}/v2.1/`, rel: 'self' }],
        status: 'CURRENT',
        version: maxVersion,
        min_version: '2.1',
        updated: '2013-07-23T11:33:21Z',
      },
    ],
  };
}
