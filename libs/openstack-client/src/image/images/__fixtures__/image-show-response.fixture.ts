/**
 * Glance v2 image objects, copied in shape from glance api-ref/source/v2/samples/image-show-response.json
 * and image-create-response.json (Image API v2.15; the devcloud runs Glance 25.1.0 / Zed):
 * flat objects where custom properties sit beside core attributes, relative `self`/`file`/`schema`.
 * A queued image has `size`, `checksum`, `os_hash_*` null (/work/captures/glance/10-image-create.txt).
 */
export function imageShowResponse(
  id: string,
  status: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const active = status === 'active';
  return {
    status,
    name: 'cirros-0.3.2-x86_64-disk',
    tags: [],
    container_format: 'bare',
    created_at: '2014-05-05T17:15:10Z',
    disk_format: 'qcow2',
    updated_at: '2014-05-05T17:15:11Z',
    visibility: 'private',
    self: `/v2/images/${id}`,
    min_disk: 0,
    protected: false,
    id,
    file: `/v2/images/${id}/file`,
    checksum: active ? '64d7c1cd2b6f60c92c14662941cb7913' : null,
    os_hash_algo: active ? 'sha512' : null,
    os_hash_value: active
      ? '073b4523583784fbe01daff81eba092a262ec37ba6d04dd3f52e4cd5c93eb8258af44881345ecda0e49f3d8cc6d2df6b050ff3e72681d723234aff9d17d0cf09'
      : null,
    owner: '5ef70662f8b34079a6eddb8da9d75fe8',
    size: active ? 13167616 : null,
    min_ram: 0,
    schema: '/v2/schemas/image',
    virtual_size: null,
    os_hidden: false,
    ...extra,
  };
}

/**
 * GET /v2/images, copied in shape from glance api-ref/source/v2/samples/images-list-response.json:
 * `images`, `first`, `schema`, and a root-relative `next` only when there is another page
 * (/work/captures/glance/06-images-list-limit-1.txt).
 */
export function imagesListResponse(
  images: Array<Record<string, unknown>>,
  next?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    images,
    first: '/v2/images',
    schema: '/v2/schemas/images',
  };
  if (next) body['next'] = next;
  return body;
}

/**
 * Glance error bodies (webob): with `Accept: application/json` a flat JSON object whose `code` is
 * a string and whose message keeps `<br />` residue (/work/captures/glance/08-image-get-missing.txt);
 * with other Accept values an HTML page (glance/09-image-missing-accept-html.txt).
 */
export const glanceNotFoundJson = (id: string) => ({
  message: `No image found with ID ${id}<br /><br />\n\n\n`,
  code: '404 Not Found',
  title: 'Not Found',
});

export const glanceNotFoundHtml = (id: string) =>
  `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID ${id}<br /><br />\n\n\n\n </body>\n</html>`;

export const glanceConflictJson = {
  message:
    'There was a conflict when trying to complete your request.<br /><br />\nProperty nope does not exist.\n\n',
  code: '409 Conflict',
  title: 'Conflict',
};
