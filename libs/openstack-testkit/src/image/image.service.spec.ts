import { FakeOpenStack } from '../index';
import { login, servicesOf, wire } from '../../test-support/wire-client';

const JSON_ACCEPT = { Accept: 'application/json' };

describe('fake Glance v2', () => {
  let cloud: FakeOpenStack;
  let token: string;
  let image: ReturnType<typeof servicesOf>['image'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    token = await login(cloud);
    image = servicesOf(cloud, token).image;
  });
  afterEach(async () => {
    await cloud.stop();
  });

  async function createImage(body: Record<string, unknown>): Promise<string> {
    const reply = await image('/v2/images', { method: 'POST', body, headers: JSON_ACCEPT });
    expect(reply.status).toBe(201);
    return reply.json.id;
  }

  it('answers version discovery with 300 at / and 200 at /versions, without a token', async () => {
    const root = await wire(`${cloud.endpoints.image}/`);
    expect(root.status).toBe(300);
    expect(root.json.versions[0]).toEqual({
      id: 'v2.15',
      status: 'CURRENT',
      links: [{ rel: 'self', href: `${cloud.endpoints.image}/v2/` }],
    });
    expect(root.json.versions.map((v: { id: string }) => v.id)).not.toContain('v2.14');
    expect((await wire(`${cloud.endpoints.image}/versions`)).status).toBe(200);
  });

  it('lists the seeded ubuntu image by name, with relative first/schema links', async () => {
    const reply = await image('/v2/images?name=ubuntu', { headers: JSON_ACCEPT });
    expect(reply.status).toBe(200);
    expect(reply.json.first).toBe('/v2/images?name=ubuntu');
    expect(reply.json.schema).toBe('/v2/schemas/images');
    expect(reply.json.images).toHaveLength(1);
    expect(reply.json.images[0]).toMatchObject({
      name: 'ubuntu',
      status: 'active',
      visibility: 'public',
      os_distro: 'ubuntu',
      stores: 'file',
    });
    expect(reply.json.images[0].self).toBe(`/v2/images/${reply.json.images[0].id}`);
    expect(reply.headers.get('x-openstack-request-id')).toMatch(/^req-/);
  });

  it('creates (201 + absolute Location), uploads (204 -> active) and downloads image data', async () => {
    const created = await image('/v2/images', {
      method: 'POST',
      headers: JSON_ACCEPT,
      body: {
        name: 'golden',
        disk_format: 'raw',
        container_format: 'bare',
        tags: ['capture'],
        min_disk: 1,
        service_sha256: 'abc',
      },
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect(created.headers.get('location')).toBe(`${cloud.endpoints.image}/v2/images/${id}`);
    expect(created.headers.get('openstack-image-import-methods')).toBe(
      'glance-direct,web-download,copy-image',
    );
    expect(created.json).toMatchObject({
      status: 'queued',
      size: null,
      checksum: null,
      service_sha256: 'abc',
      owner: cloud.credentials.projectId,
    });
    expect(created.json.stores).toBeUndefined();
    const data = Buffer.from('golden bytes');
    const upload = await image(`/v2/images/${id}/file`, {
      method: 'PUT',
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(204);
    const shown = (await image(`/v2/images/${id}`, { headers: JSON_ACCEPT })).json;
    expect(shown).toMatchObject({
      status: 'active',
      size: data.length,
      os_hash_algo: 'sha512',
      stores: 'file',
    });
    const again = await image(`/v2/images/${id}/file`, {
      method: 'PUT',
      body: data,
      headers: { 'Content-Type': 'application/octet-stream', ...JSON_ACCEPT },
    });
    expect(again.status).toBe(409);
    expect(again.json.message).toBe(
      'Image status transition from active to saving is not allowed<br /><br />\n\n\n',
    );
    const download = await fetch(`${cloud.endpoints.image}/v2/images/${id}/file`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('golden bytes');
    expect(download.headers.get('content-md5')).toBe(shown.checksum);
  });

  it('refuses uploads with the wrong content type (415) and read-only or public attributes (403)', async () => {
    const id = await createImage({ name: 'x', disk_format: 'raw', container_format: 'bare' });
    const wrongType = await image(`/v2/images/${id}/file`, {
      method: 'PUT',
      body: '{}',
      headers: { 'Content-Type': 'application/json', ...JSON_ACCEPT },
    });
    expect(wrongType.status).toBe(415);
    const readOnly = await image('/v2/images', {
      method: 'POST',
      body: { name: 'r', status: 'active' },
      headers: JSON_ACCEPT,
    });
    expect(readOnly.json).toEqual({
      message: "Attribute 'status' is read-only.<br /><br />\n\n\n",
      code: '403 Forbidden',
      title: 'Forbidden',
    });
    const publicize = await image('/v2/images', {
      method: 'POST',
      body: { name: 'p', visibility: 'public' },
      headers: JSON_ACCEPT,
    });
    expect(publicize.status).toBe(403);
    const badFormat = await image('/v2/images', {
      method: 'POST',
      body: { name: 'b', disk_format: 'nope' },
      headers: JSON_ACCEPT,
    });
    expect(badFormat.status).toBe(400);
    expect(badFormat.json.message).toContain("'nope' is not one of [None, 'ami'");
  });

  it('updates with JSON patch and enforces the patch media type', async () => {
    const id = await createImage({
      name: 'cap-img',
      disk_format: 'raw',
      container_format: 'bare',
      my_prop: 'x',
    });
    const patched = await image(`/v2/images/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch', ...JSON_ACCEPT },
      body: [
        { op: 'add', path: '/autoscaler_pool', value: 'p1' },
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'remove', path: '/my_prop' },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ autoscaler_pool: 'p1', name: 'renamed' });
    expect(patched.json.my_prop).toBeUndefined();
    const wrongType = await image(`/v2/images/${id}`, {
      method: 'PATCH',
      body: [{ op: 'add', path: '/x', value: 'y' }],
      headers: JSON_ACCEPT,
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('accept-patch')).toContain(
      'application/openstack-images-v2.1-json-patch',
    );
    const removeMissing = await image(`/v2/images/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch', ...JSON_ACCEPT },
      body: [{ op: 'remove', path: '/nope' }],
    });
    expect(removeMissing.status).toBe(409);
    expect(removeMissing.json.message).toContain('Property nope does not exist.');
  });

  it('filters by status and by property, and paginates with a relative next link', async () => {
    for (const name of ['g1', 'g2', 'g3'])
      await createImage({ name, disk_format: 'raw', container_format: 'bare', pool: 'golden' });
    const queued = await image('/v2/images?status=queued&pool=golden&limit=2', {
      headers: JSON_ACCEPT,
    });
    expect(queued.json.images).toHaveLength(2);
    expect(queued.json.next).toMatch(
      /^\/v2\/images\?status=queued&pool=golden&limit=2&marker=[0-9a-f-]{36}$/,
    );
    const page2 = await wire(`${cloud.endpoints.image}${queued.json.next}`, {
      token,
      headers: JSON_ACCEPT,
    });
    expect(page2.json.images).toHaveLength(1);
    expect(page2.json.next).toBeUndefined();
    const names = [...queued.json.images, ...page2.json.images].map(
      (i: { name: string }) => i.name,
    );
    expect(names.sort()).toEqual(['g1', 'g2', 'g3']);
    expect((await image('/v2/images?limit=abc', { headers: JSON_ACCEPT })).json.message).toBe(
      'limit param must be an integer<br /><br />\n\n\n',
    );
  });

  it('deletes own images (204, then 404) but not the public admin image (403)', async () => {
    const id = await createImage({ name: 'tmp' });
    expect(
      (await image(`/v2/images/${id}`, { method: 'DELETE', headers: JSON_ACCEPT })).status,
    ).toBe(204);
    const again = await image(`/v2/images/${id}`, { method: 'DELETE', headers: JSON_ACCEPT });
    expect(again.json).toEqual({
      message: `Failed to find image ${id} to delete<br /><br />\n\n\n`,
      code: '404 Not Found',
      title: 'Not Found',
    });
    const ubuntu = [...cloud.state.images.values()].find((i) => i.name === 'ubuntu');
    const forbidden = await image(`/v2/images/${ubuntu?.id}`, {
      method: 'DELETE',
      headers: JSON_ACCEPT,
    });
    expect(forbidden.json.message).toBe('You do not own this image<br /><br />\n\n\n');
  });

  it('shapes errors by the Accept header exactly as the real Glance does', async () => {
    const missing = '00000000-0000-0000-0000-000000000000';
    const asJson = await image(`/v2/images/${missing}`, { headers: JSON_ACCEPT });
    expect(asJson.json).toEqual({
      message: `No image found with ID ${missing}<br /><br />\n\n\n`,
      code: '404 Not Found',
      title: 'Not Found',
    });
    const asHtml = await image(`/v2/images/${missing}`, { headers: { Accept: '*/*' } });
    expect(asHtml.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(asHtml.text).toContain('<title>404 Not Found</title>');
    const plain = await fetch(`${cloud.endpoints.image}/v2/images/${missing}`, {
      headers: { 'X-Auth-Token': token, Accept: '' },
    });
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(await plain.text()).toBe(`404 Not Found\n\nNo image found with ID ${missing}\n\n   `);
  });

  it('answers a missing token with 401 and no request id (keystonemiddleware runs first)', async () => {
    const reply = await wire(`${cloud.endpoints.image}/v2/images`, { headers: JSON_ACCEPT });
    expect(reply.status).toBe(401);
    expect(reply.json.code).toBe('401 Unauthorized');
    expect(reply.headers.get('x-openstack-request-id')).toBeNull();
    expect(reply.headers.get('www-authenticate')).toMatch(/^Keystone uri=/);
  });

  it('deactivates and reactivates an image', async () => {
    const id = await createImage({ name: 'd', disk_format: 'raw', container_format: 'bare' });
    await image(`/v2/images/${id}/file`, {
      method: 'PUT',
      body: Buffer.from('x'),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect((await image(`/v2/images/${id}/actions/deactivate`, { method: 'POST' })).status).toBe(
      204,
    );
    expect((await image(`/v2/images/${id}`, { headers: JSON_ACCEPT })).json.status).toBe(
      'deactivated',
    );
    expect((await image(`/v2/images/${id}/file`, { headers: JSON_ACCEPT })).status).toBe(403);
    await image(`/v2/images/${id}/actions/reactivate`, { method: 'POST' });
    expect((await image(`/v2/images/${id}`, { headers: JSON_ACCEPT })).json.status).toBe('active');
  });
});
