import { createPrivateKey, createPublicKey } from 'node:crypto';
import { FakeOpenStack } from '../index';
import { login, servicesOf } from '../../test-support/wire-client';

const ED25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeIiPQeMUDEsicfNkfqcBAXVoohG0SsTb8gLqq3U96l capture@devcloud';

describe('fake Nova keypairs and flavors', () => {
  let cloud: FakeOpenStack;
  let compute: ReturnType<typeof servicesOf>['compute'];

  beforeEach(async () => {
    cloud = await FakeOpenStack.start();
    compute = servicesOf(cloud, await login(cloud)).compute;
  });
  afterEach(async () => {
    await cloud.stop();
  });

  it('generates a usable RSA pair before 2.92 and returns the private key only then', async () => {
    const reply = await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'vm-key' } },
      microversion: '2.91',
    });
    expect(reply.status).toBe(201);
    const keypair = reply.json.keypair;
    expect(keypair).toMatchObject({
      name: 'vm-key',
      type: 'ssh',
      user_id: cloud.credentials.userId,
    });
    expect(keypair.public_key).toMatch(/^ssh-rsa AAAA[^ ]+ Generated-by-Nova$/);
    expect(keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    // The private key really matches the public key.
    const derived = createPublicKey(createPrivateKey(keypair.private_key)).export({
      format: 'jwk',
    });
    expect(derived.kty).toBe('RSA');
    expect(keypair.private_key).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const get = await compute('/os-keypairs/vm-key', { microversion: '2.91' });
    expect(get.json.keypair.private_key).toBeUndefined();
    expect(get.json.keypair).toMatchObject({
      name: 'vm-key',
      deleted: false,
      id: expect.any(Number),
      type: 'ssh',
    });
  });

  it('forbids generation at 2.92 (public_key required), as the reference and the real cloud do', async () => {
    const reply = await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'k' } },
      microversion: '2.92',
    });
    expect(reply.status).toBe(400);
    expect(reply.json.badRequest.message).toBe(
      "Invalid input for field/attribute keypair. Value: {'name': 'k'}. 'public_key' is a required property",
    );
  });

  it('imports a public key with the MD5 fingerprint Nova computes', async () => {
    const reply = await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'imp', public_key: ED25519, type: 'ssh' } },
      microversion: '2.92',
    });
    expect(reply.status).toBe(201);
    // Same key and fingerprint as captures/nova/12-keypair-import-2.92.txt.
    expect(reply.json.keypair.fingerprint).toBe('40:bd:9b:5d:30:dd:db:d4:14:2f:8b:29:e2:3e:76:a8');
    expect(reply.json.keypair.private_key).toBeUndefined();
  });

  it('answers 200 without type at 2.1, and 202 on delete', async () => {
    const created = await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'old', public_key: ED25519 } },
    });
    expect(created.status).toBe(200);
    expect(created.json.keypair.type).toBeUndefined();
    const deleted = await compute('/os-keypairs/old', { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    // Empty, yet labelled JSON (captures/nova/19b-keypair-delete-2.1.txt).
    expect(deleted.text).toBe('');
    expect(deleted.headers.get('content-type')).toBe('application/json');
  });

  it('rejects duplicates with 409, bad keys with 400, and unknown names with 404', async () => {
    const body = { keypair: { name: 'dup', public_key: ED25519 } };
    await compute('/os-keypairs', { method: 'POST', body, microversion: '2.92' });
    const duplicate = await compute('/os-keypairs', { method: 'POST', body, microversion: '2.92' });
    expect(duplicate.json).toEqual({
      conflictingRequest: { code: 409, message: "Key pair 'dup' already exists." },
    });
    const bad = await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'bad', public_key: 'ssh-rsa not-a-key' } },
      microversion: '2.92',
    });
    expect(bad.json).toEqual({
      badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' },
    });
    const missing = await compute('/os-keypairs/nope', { microversion: '2.92' });
    expect(missing.json).toEqual({
      itemNotFound: {
        code: 404,
        message: `Keypair nope not found for user ${cloud.credentials.userId}`,
      },
    });
    expect(
      (await compute('/os-keypairs/dup', { method: 'DELETE', microversion: '2.92' })).status,
    ).toBe(204);
    expect(
      (await compute('/os-keypairs/dup', { method: 'DELETE', microversion: '2.92' })).status,
    ).toBe(404);
  });

  it('lists keypairs wrapped one by one', async () => {
    await compute('/os-keypairs', {
      method: 'POST',
      body: { keypair: { name: 'a', public_key: ED25519 } },
      microversion: '2.2',
    });
    const list = await compute('/os-keypairs', { microversion: '2.2' });
    expect(list.json.keypairs).toEqual([
      { keypair: { name: 'a', public_key: ED25519, fingerprint: expect.any(String), type: 'ssh' } },
    ]);
  });

  it('lists flavors (summary and detail per microversion) and 404s an unknown flavor', async () => {
    const summary = await compute('/flavors');
    expect(summary.json.flavors.map((f: { name: string }) => f.name)).toEqual([
      'm1.tiny',
      'm1.small',
    ]);
    const detail21 = await compute('/flavors/detail');
    expect(detail21.json.flavors[0]).toMatchObject({
      id: '1',
      ram: 512,
      disk: 1,
      vcpus: 1,
      swap: '',
      'os-flavor-access:is_public': true,
    });
    const detail279 = await compute('/flavors/detail', { microversion: '2.79' });
    expect(detail279.json.flavors[1]).toMatchObject({
      id: '2',
      name: 'm1.small',
      swap: 0,
      description: null,
      extra_specs: {},
    });
    const missing = await compute('/flavors/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      itemNotFound: { code: 404, message: 'Flavor does-not-exist could not be found.' },
    });
  });

  it("reads a flavor's extra specs as Nova does (all of them, one key, 404s)", async () => {
    expect(await compute('/flavors/1/os-extra_specs')).toMatchObject({
      status: 200,
      json: { extra_specs: {} },
    });
    cloud.state.flavors.get('2')!.extraSpecs = { 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1' };
    expect((await compute('/flavors/2/os-extra_specs')).json).toEqual({
      extra_specs: { 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1' },
    });
    expect((await compute('/flavors/2/os-extra_specs/hw:numa_nodes')).json).toEqual({
      'hw:numa_nodes': '1',
    });
    const missingKey = await compute('/flavors/2/os-extra_specs/hw:mem_page_size');
    expect(missingKey.status).toBe(404);
    expect(missingKey.json).toEqual({
      itemNotFound: {
        code: 404,
        message: 'Flavor 2 has no extra specs with key hw:mem_page_size.',
      },
    });
    const missingFlavor = await compute('/flavors/42/os-extra_specs');
    expect(missingFlavor.json.itemNotFound.message).toBe('Flavor 42 could not be found.');
  });
});
