import { Readable } from 'node:stream';
import { LoopbackCloud } from '../../../test-support/loopback-cloud';
import {
  AmbiguousNameError,
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  ResourceFailedError,
} from '../../common/errors';
import {
  glanceConflictJson,
  glanceNotFoundHtml,
  glanceNotFoundJson,
  imageShowResponse,
  imagesListResponse,
} from './__fixtures__/image-show-response.fixture';

const IMAGES = '/image/v2/images';
const ID = '1bea47ed-f6a9-463b-b423-14b9cca9ad27';

describe('image: images (Glance v2)', () => {
  let cloud: LoopbackCloud;
  beforeEach(async () => {
    cloud = await LoopbackCloud.start();
  });
  afterEach(async () => cloud.close());

  it('runs the image lifecycle: create (queued) -> upload -> saving -> active', async () => {
    let status = 'queued';
    cloud.on('POST', IMAGES, (req) => ({
      status: 201,
      body: imageShowResponse(ID, 'queued', req.json() as Record<string, unknown>),
    }));
    cloud.on('PUT', `${IMAGES}/${ID}/file`, () => {
      status = 'saving';
      setTimeout(() => (status = 'active'), 60);
      return { status: 204, headers: { 'content-type': 'text/html; charset=UTF-8' } };
    });
    cloud.on('GET', `${IMAGES}/${ID}`, () => ({
      status: 200,
      body: imageShowResponse(ID, status, { name: 'golden-1', os_distro: 'ubuntu' }),
    }));
    const os = cloud.client();

    const created = await os.image.images.create({
      name: 'golden-1',
      diskFormat: 'qcow2',
      containerFormat: 'bare',
      minDiskGb: 1,
      tags: ['osa'],
      properties: { os_distro: 'ubuntu' },
    });
    expect(created.status).toBe('queued');
    expect(created.sizeBytes).toBeUndefined();
    await os.image.images.upload(ID, Readable.from([Buffer.from('disk-'), Buffer.from('bytes')]));
    const seen: string[] = [];
    const active = await os.image.images.waitForStatus(ID, {
      target: 'active',
      timeoutMs: 5_000,
      intervalMs: 10,
      onProgress: (p) => seen.push(p.status),
    });
    os.close();

    expect(active).toMatchObject({
      id: ID,
      status: 'active',
      sizeBytes: 13167616,
      properties: { os_distro: 'ubuntu' },
    });
    expect(Object.keys(active.properties)).toEqual(['os_distro']);
    expect(seen[0]).toBe('saving');
    expect(seen[seen.length - 1]).toBe('active');
    expect(cloud.requestsTo('POST', IMAGES)[0].json()).toEqual({
      os_distro: 'ubuntu',
      name: 'golden-1',
      disk_format: 'qcow2',
      container_format: 'bare',
      min_disk: 1,
      tags: ['osa'],
    });
    const [upload] = cloud.requestsTo('PUT', `${IMAGES}/${ID}/file`);
    expect(upload.headers['content-type']).toBe('application/octet-stream');
    expect(upload.body.toString()).toBe('disk-bytes');
  });

  it('fails the wait at once when Glance kills the image', async () => {
    cloud.on('GET', `${IMAGES}/${ID}`, () => ({
      status: 200,
      body: imageShowResponse(ID, 'killed'),
    }));
    const os = cloud.client();
    const error = (await os.image.images
      .waitForStatus(ID, { target: 'active', timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as ResourceFailedError;
    os.close();
    expect(error).toBeInstanceOf(ResourceFailedError);
    expect(error.message).toBe(
      `image ${ID} entered failure state killed: Glance marked the image killed (its data upload or import failed)`,
    );
  });

  it("reads Glance's flat 404 body (and its HTML one) into NotFoundError", async () => {
    cloud.once('GET', `${IMAGES}/${ID}`, () => ({ status: 404, body: glanceNotFoundJson(ID) }));
    cloud.once('GET', `${IMAGES}/${ID}`, () => ({
      status: 404,
      body: glanceNotFoundHtml(ID),
      headers: { 'content-type': 'text/html; charset=UTF-8' },
    }));
    const os = cloud.client();
    const html = (await os.image.images.get(ID).catch((e: unknown) => e)) as NotFoundError;
    const json = (await os.image.images.get(ID).catch((e: unknown) => e)) as NotFoundError;
    os.close();
    for (const error of [json, html]) expect(error).toBeInstanceOf(NotFoundError);
    expect(json.serverMessage).toBe(`No image found with ID ${ID}`);
    expect(json.errorType).toBe('Not Found');
    expect(html.serverMessage).toBe(`404 Not Found 404 Not Found No image found with ID ${ID}`);
  });

  it('lists lazily, following the root-relative `next`', async () => {
    cloud.on('GET', IMAGES, (req) =>
      req.query.get('marker') === 'b'
        ? { status: 200, body: imagesListResponse([imageShowResponse('c', 'active')]) }
        : {
            status: 200,
            body: imagesListResponse(
              [imageShowResponse('a', 'active'), imageShowResponse('b', 'active')],
              '/v2/images?limit=2&marker=b',
            ),
          },
    );
    const os = cloud.client();
    const ids = (
      await os.image.images
        .list({ pageSize: 2, status: 'active', properties: { osa_pool: 'p1' } })
        .toArray()
    ).map((i) => i.id);
    os.close();
    expect(ids).toEqual(['a', 'b', 'c']);
    const [first, second] = cloud.requestsTo('GET', IMAGES);
    expect(Object.fromEntries(first.query)).toEqual({
      limit: '2',
      status: 'active',
      osa_pool: 'p1',
    });
    expect(Object.fromEntries(second.query)).toEqual({ limit: '2', marker: 'b' });
  });

  it('findByName: one match, none, or an error listing the ids of several', async () => {
    cloud.on('GET', IMAGES, (req) => {
      const name = req.query.get('name');
      if (name === 'twice')
        return {
          status: 200,
          body: imagesListResponse([
            imageShowResponse('id-1', 'active', { name }),
            imageShowResponse('id-2', 'active', { name }),
          ]),
        };
      if (name === 'once')
        return {
          status: 200,
          body: imagesListResponse([imageShowResponse('id-3', 'active', { name })]),
        };
      return { status: 200, body: imagesListResponse([]) };
    });
    const os = cloud.client();
    expect((await os.image.images.findByName('once'))?.id).toBe('id-3');
    expect(await os.image.images.findByName('nothing')).toBeUndefined();
    const error = await os.image.images.findByName('twice').catch((e: unknown) => e);
    os.close();
    expect(error).toBeInstanceOf(AmbiguousNameError);
    expect((error as Error).message).toBe(
      '2 images are named "twice": id-1, id-2; use an id instead',
    );
  });

  it('updates properties with a JSON patch: replace existing, add new, remove only what exists', async () => {
    cloud.on('GET', `${IMAGES}/${ID}`, () => ({
      status: 200,
      body: imageShowResponse(ID, 'active', { osa_pool: 'p1', osa_old: 'x' }),
    }));
    cloud.on('PATCH', `${IMAGES}/${ID}`, () => ({
      status: 200,
      body: imageShowResponse(ID, 'active', { osa_pool: 'p2', osa_new: 'y' }),
    }));
    const os = cloud.client();
    const updated = await os.image.images.updateProperties(ID, {
      osa_pool: 'p2',
      osa_new: 'y',
      osa_old: null,
      never_there: null,
    });
    os.close();
    expect(updated.properties).toMatchObject({ osa_pool: 'p2', osa_new: 'y' });
    const [patch] = cloud.requestsTo('PATCH', `${IMAGES}/${ID}`);
    expect(patch.headers['content-type']).toBe('application/openstack-images-v2.1-json-patch');
    expect(patch.json()).toEqual([
      { op: 'replace', path: '/osa_pool', value: 'p2' },
      { op: 'add', path: '/osa_new', value: 'y' },
      { op: 'remove', path: '/osa_old' },
    ]);
  });

  it("reports Glance's 409 message without its HTML residue", async () => {
    cloud.on('GET', `${IMAGES}/${ID}`, () => ({
      status: 200,
      body: imageShowResponse(ID, 'active', { nope: 'x' }),
    }));
    cloud.on('PATCH', `${IMAGES}/${ID}`, () => ({ status: 409, body: glanceConflictJson }));
    const os = cloud.client();
    const error = (await os.image.images
      .updateProperties(ID, { nope: null })
      .catch((e: unknown) => e)) as ConflictError;
    os.close();
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.serverMessage).toBe(
      'There was a conflict when trying to complete your request. Property nope does not exist.',
    );
  });

  it('refuses bad create options before sending', async () => {
    const os = cloud.client();
    const badFormat = await os.image.images
      .create({ name: 'x', diskFormat: 'qcow3' as 'qcow2', containerFormat: 'bare' })
      .catch((e: unknown) => e);
    const coreProperty = await os.image.images
      .create({
        name: 'x',
        diskFormat: 'raw',
        containerFormat: 'bare',
        properties: { status: 'active' },
      })
      .catch((e: unknown) => e);
    os.close();
    expect(badFormat).toBeInstanceOf(InvalidArgumentError);
    expect((badFormat as Error).message).toBe(
      'createImage.diskFormat: "qcow3" is not a Glance disk format (allowed: ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, ploop, iso)',
    );
    expect((coreProperty as InvalidArgumentError).field).toBe('createImage.properties.status');
    expect(cloud.requestsTo('POST', IMAGES)).toHaveLength(0);
  });

  it('deletes idempotently', async () => {
    cloud.on('DELETE', `${IMAGES}/${ID}`, () => ({ status: 404, body: glanceNotFoundJson(ID) }));
    cloud.once('DELETE', `${IMAGES}/${ID}`, () => ({ status: 204 }));
    const os = cloud.client();
    expect(await os.image.images.delete(ID)).toBe(true);
    expect(await os.image.images.delete(ID)).toBe(false);
    os.close();
  });
});
