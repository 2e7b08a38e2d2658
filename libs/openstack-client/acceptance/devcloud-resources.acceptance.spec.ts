/**
 * Acceptance, resources: flavors, images (find, upload, properties, delete), keypairs, networks,
 * subnets, ports-free listings and security group rules (a duplicate rule is fine), with the real
 * error bodies each service sends. Everything created is named osa-acc-<run>-... and deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OpenStackClient,
  OpenStackHttpError,
} from '../src';
import {
  AcceptanceCleanup,
  acceptanceSettings,
  cleanupImage,
  clientFromEnvironment,
  describeWithCloud,
  isDevcloud,
  runTag,
  waitOptions,
} from './devcloud-acceptance-support';

async function failureOf(promise: Promise<unknown>): Promise<OpenStackHttpError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof OpenStackHttpError))
    throw new Error(
      `expected an OpenStackHttpError, got ${outcome === undefined ? 'success' : String(outcome)}`,
    );
  return outcome;
}

describeWithCloud(
  'openstack-client acceptance: flavors, images, keypairs, networks, security groups (real cloud)',
  () => {
    jest.setTimeout(90_000);
    const tag = runTag();
    const cleanup = new AcceptanceCleanup();
    let client: OpenStackClient;

    beforeAll(() => {
      client = clientFromEnvironment();
    });
    afterAll(async () => {
      try {
        await cleanup.runAll();
      } finally {
        client.close();
      }
    });

    describe('flavors', () => {
      it('lists flavors with their sizes and finds one by name and by id', async () => {
        const flavors = await client.compute.flavors.list().toArray();
        expect(flavors.length).toBeGreaterThan(0);
        const wanted = await client.compute.flavors.find(acceptanceSettings.flavor);
        expect(wanted.name).toBe(acceptanceSettings.flavor);
        expect(await client.compute.flavors.find(wanted.id)).toEqual(wanted);
        expect(await client.compute.flavors.get(wanted.id)).toMatchObject({
          id: wanted.id,
          name: wanted.name,
          ramMb: wanted.ramMb,
        });
        if (isDevcloud()) {
          expect(flavors.find((f) => f.name === 'm1.tiny')).toMatchObject({
            id: '1',
            vcpus: 1,
            ramMb: 512,
            diskGb: 1,
            isPublic: true,
            disabled: false,
            swapMb: 0,
          });
          expect(flavors.find((f) => f.name === 'm1.small')).toMatchObject({
            id: '2',
            vcpus: 1,
            ramMb: 2048,
            diskGb: 20,
          });
        }
      });

      it('a missing flavor is Nova 404 itemNotFound with its own message', async () => {
        const error = await failureOf(client.compute.flavors.get(`${tag}-no-such-flavor`));
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({
          status: 404,
          service: 'compute',
          errorType: 'itemNotFound',
          serverMessage: `Flavor ${tag}-no-such-flavor could not be found.`,
        });
        expect(error.requestId).toMatch(/^req-/);
      });

      it('find() by an unknown name lists the flavors there are', async () => {
        await expect(client.compute.flavors.find(`${tag}-nope`)).rejects.toThrow(
          new RegExp(
            `no flavor has the id or name "${tag}-nope"; flavors: .*${acceptanceSettings.flavor}`,
          ),
        );
      });
    });

    describe('images', () => {
      it('finds the base image by name: active, public or shared to us', async () => {
        const image = await client.image.images.findByName(acceptanceSettings.baseImage);
        expect(image).toBeDefined();
        expect(image).toMatchObject({ name: acceptanceSettings.baseImage, status: 'active' });
        if (isDevcloud())
          expect(image).toMatchObject({
            visibility: 'public',
            diskFormat: 'raw',
            containerFormat: 'bare',
            sizeBytes: 4096,
          });
        expect(await client.image.images.findByName(`${tag}-no-such-image`)).toBeUndefined();
      });

      it('creates, uploads, reads, updates properties of and deletes an image', async () => {
        const name = `${tag}-upload`;
        const created = await client.image.images.create({
          name,
          diskFormat: 'raw',
          containerFormat: 'bare',
          properties: { osa_purpose: 'acceptance', osa_run: tag },
        });
        cleanupImage(cleanup, client, created.id);
        expect(created).toMatchObject({
          name,
          status: 'queued',
          visibility: 'shared',
          sizeBytes: undefined,
        });
        expect(created.properties).toMatchObject({ osa_purpose: 'acceptance', osa_run: tag });

        const data = randomBytes(8192);
        await client.image.images.upload(created.id, data);
        const active = await client.image.images.waitForStatus(created.id, {
          target: 'active',
          ...waitOptions('image upload', 60_000),
        });
        expect(active.sizeBytes).toBe(8192);
        expect(active.checksum).toBe(createHash('md5').update(data).digest('hex'));
        expect(await client.image.images.findByName(name)).toMatchObject({
          id: created.id,
          status: 'active',
        });

        // Uploading again to an active image: Glance 409.
        const reupload = await failureOf(client.image.images.upload(created.id, data));
        expect(reupload).toBeInstanceOf(ConflictError);
        expect(reupload.status).toBe(409);

        const updated = await client.image.images.updateProperties(created.id, {
          osa_purpose: 'changed',
          osa_new: 'yes',
          osa_run: null,
        });
        expect(updated.properties).toMatchObject({ osa_purpose: 'changed', osa_new: 'yes' });
        expect(updated.properties).not.toHaveProperty('osa_run');
        expect((await client.image.images.get(created.id)).properties).toMatchObject({
          osa_purpose: 'changed',
          osa_new: 'yes',
        });

        // Filter on a custom property.
        const byProperty = await client.image.images
          .list({ properties: { osa_new: 'yes' } })
          .toArray();
        expect(byProperty.map((i) => i.id)).toContain(created.id);

        expect(await client.image.images.delete(created.id)).toBe(true);
        expect(await client.image.images.find(created.id)).toBeUndefined();
        expect(await client.image.images.delete(created.id)).toBe(false);
      });

      it('a missing image is Glance 404 with its message cleaned of HTML', async () => {
        const id = '00000000-0000-4000-8000-000000000000';
        const error = await failureOf(client.image.images.get(id));
        expect(error).toBeInstanceOf(NotFoundError);
        // Glance (with Accept: application/json): {"message": "No image found with ID <id><br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}
        expect(error).toMatchObject({
          status: 404,
          service: 'image',
          serverMessage: `No image found with ID ${id}`,
          errorType: 'Not Found',
        });
      });

      it('deleting a public image of another project is Glance 403', async () => {
        if (!isDevcloud()) return; // needs an image we do not own; the devcloud's `ubuntu` belongs to admin
        const ubuntu = await client.image.images.findByName('ubuntu');
        const error = await failureOf(client.image.images.delete(ubuntu?.id ?? 'missing'));
        expect(error).toBeInstanceOf(ForbiddenError);
        expect(error.serverMessage).toMatch(/You do not own this image/);
      });
    });

    describe('keypairs', () => {
      it('generates, imports, lists, refuses a duplicate with 409 and deletes keypairs', async () => {
        const generatedName = `${tag}-generated`;
        const generated = await client.compute.keypairs.create(generatedName);
        cleanup.add(`delete keypair ${generatedName}`, () =>
          client.compute.keypairs.delete(generatedName),
        );
        expect(generated.name).toBe(generatedName);
        expect(generated.publicKey).toMatch(/^ssh-rsa /);
        expect(generated.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
        expect(generated.privateKey.reveal()).toMatch(/-----BEGIN (RSA )?PRIVATE KEY-----/);
        expect(JSON.stringify(generated)).not.toContain('PRIVATE KEY');

        const importedName = `${tag}-imported`;
        const imported = await client.compute.keypairs.import(importedName, generated.publicKey);
        cleanup.add(`delete keypair ${importedName}`, () =>
          client.compute.keypairs.delete(importedName),
        );
        expect(imported).toMatchObject({
          name: importedName,
          fingerprint: generated.fingerprint,
          type: 'ssh',
        });

        const listed = await client.compute.keypairs.list().toArray();
        expect(listed.map((k) => k.name)).toEqual(
          expect.arrayContaining([generatedName, importedName]),
        );
        expect(await client.compute.keypairs.get(importedName)).toMatchObject({
          name: importedName,
          fingerprint: generated.fingerprint,
        });

        const duplicate = await failureOf(
          client.compute.keypairs.import(importedName, generated.publicKey),
        );
        expect(duplicate).toBeInstanceOf(ConflictError);
        expect(duplicate).toMatchObject({
          status: 409,
          errorType: 'conflictingRequest',
          serverMessage: `Key pair '${importedName}' already exists.`,
        });

        expect(await client.compute.keypairs.delete(importedName)).toBe(true);
        expect(await client.compute.keypairs.delete(importedName)).toBe(false);
        const gone = await failureOf(client.compute.keypairs.get(importedName));
        expect(gone).toBeInstanceOf(NotFoundError);
        expect(gone.errorType).toBe('itemNotFound');
      });
    });

    describe('networks, subnets, security groups', () => {
      it('finds the network by name with its subnet', async () => {
        const network = await client.network.networks.find(acceptanceSettings.network);
        expect(network).toMatchObject({
          name: acceptanceSettings.network,
          status: 'ACTIVE',
          adminStateUp: true,
        });
        expect(network.subnetIds.length).toBeGreaterThan(0);
        const subnets = await client.network.subnets.list({ networkId: network.id }).toArray();
        expect(subnets.map((s) => s.id).sort()).toEqual([...network.subnetIds].sort());
        expect(await client.network.subnets.get(subnets[0].id)).toEqual(subnets[0]);
        if (isDevcloud()) {
          expect(subnets).toEqual([
            expect.objectContaining({
              name: 'test-subnet',
              cidr: '127.200.0.0/24',
              gatewayIp: '127.200.0.1',
              ipVersion: 4,
              enableDhcp: false,
            }),
          ]);
          expect(network.mtu).toBe(1450);
        }
      });

      it('creates a network with a loopback subnet, then deletes both (a subnet outside 127/8 is refused on the devcloud)', async () => {
        const network = await client.network.networks.create({ name: `${tag}-net` });
        cleanup.add(`delete network ${network.id}`, () =>
          client.network.networks.delete(network.id),
        );
        expect(network).toMatchObject({ name: `${tag}-net`, adminStateUp: true, subnetIds: [] });
        // Overlapping CIDRs on different networks are fine in Neutron; a random /24 of 127.250/16 anyway.
        const third = parseInt(tag.slice(-2), 16);
        const cidr = `127.250.${third}.0/24`;
        const subnet = await client.network.subnets.create({
          networkId: network.id,
          name: `${tag}-subnet`,
          cidr,
          enableDhcp: false,
        });
        cleanup.add(`delete subnet ${subnet.id}`, () => client.network.subnets.delete(subnet.id));
        expect(subnet).toMatchObject({
          name: `${tag}-subnet`,
          networkId: network.id,
          cidr,
          ipVersion: 4,
          gatewayIp: `127.250.${third}.1`,
          enableDhcp: false,
        });
        expect((await client.network.networks.get(network.id)).subnetIds).toEqual([subnet.id]);
        if (isDevcloud()) {
          const refused = await failureOf(
            client.network.subnets.create({
              networkId: network.id,
              name: `${tag}-refused`,
              cidr: '192.168.222.0/24',
            }),
          );
          expect(refused).toBeInstanceOf(BadRequestError);
          expect(refused.serverMessage).toMatch(/only subnets inside 127\.0\.0\.0\/8 are allowed/);
        }
        expect(await client.network.subnets.delete(subnet.id)).toBe(true);
        expect(await client.network.networks.delete(network.id)).toBe(true);
        expect(await client.network.networks.delete(network.id)).toBe(false);
        const gone = await failureOf(client.network.networks.get(network.id));
        expect(gone).toMatchObject({ status: 404, errorType: 'NetworkNotFound' });
      });

      it('a missing network is Neutron 404 NetworkNotFound', async () => {
        const error = await failureOf(
          client.network.networks.get('00000000-0000-4000-8000-000000000000'),
        );
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({
          status: 404,
          service: 'network',
          errorType: 'NetworkNotFound',
        });
        expect(error.serverMessage).toMatch(
          /^Network 00000000-0000-4000-8000-000000000000 could not be found\.$/,
        );
      });

      it('adds an ingress rule to the default group; adding it again is "already exists", not an error', async () => {
        const group = await client.network.securityGroups.findDefault();
        expect(group.name).toBe('default');
        // A port no one else uses, open only to loopback.
        const port = 40_000 + (parseInt(tag.slice(-4), 16) % 20_000);
        const rule = {
          securityGroupId: group.id,
          direction: 'ingress' as const,
          protocol: 'tcp',
          portRangeMin: port,
          portRangeMax: port,
          remoteIpPrefix: '127.0.0.0/8',
          description: `${tag} acceptance`,
        };
        const first = await client.network.securityGroupRules.create(rule);
        if (first.alreadyExists)
          throw new Error(
            `rule for port ${port} already existed (a leftover? run .ci/devcloud.sh sweep)`,
          );
        cleanup.add(`delete security group rule ${first.rule.id}`, () =>
          client.network.securityGroupRules.delete(first.rule.id),
        );
        expect(first.rule).toMatchObject({
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          portRangeMin: port,
          portRangeMax: port,
          remoteIpPrefix: '127.0.0.0/8',
        });

        const second = await client.network.securityGroupRules.create(rule);
        expect(second).toEqual({ alreadyExists: true, existingRuleId: first.rule.id });

        const listed = await client.network.securityGroupRules
          .list({ securityGroupId: group.id, direction: 'ingress' })
          .toArray();
        expect(listed.map((r) => r.id)).toContain(first.rule.id);
        expect(
          (await client.network.securityGroups.get(group.id)).rules.map((r) => r.id),
        ).toContain(first.rule.id);

        expect(await client.network.securityGroupRules.delete(first.rule.id)).toBe(true);
        expect(await client.network.securityGroupRules.delete(first.rule.id)).toBe(false);
      });

      it('a rule with a bad port range is Neutron 400 with its own message', async () => {
        const group = await client.network.securityGroups.findDefault();
        const error = await failureOf(
          client.session.request('network', {
            method: 'POST',
            path: '/security-group-rules',
            json: {
              security_group_rule: {
                security_group_id: group.id,
                direction: 'ingress',
                protocol: 'tcp',
                port_range_min: 70000,
                port_range_max: 70000,
              },
            },
          }),
        );
        expect(error).toBeInstanceOf(BadRequestError);
        // {"NeutronError": {"type": "SecurityGroupInvalidPortValue", "message": "Invalid value for port 70000.", "detail": ""}}
        expect(error).toMatchObject({ status: 400, errorType: 'SecurityGroupInvalidPortValue' });
        expect(error.serverMessage).toMatch(/70000/);
      });

      it('the devcloud refuses a subnet outside 127.0.0.0/8 with 400 (its loopback guard)', async () => {
        if (!isDevcloud()) return;
        const network = await client.network.networks.find(acceptanceSettings.network);
        const error = await failureOf(
          client.session.request('network', {
            method: 'POST',
            path: '/subnets',
            json: {
              subnet: {
                name: `${tag}-refused`,
                network_id: network.id,
                ip_version: 4,
                cidr: '192.168.222.0/24',
              },
            },
          }),
        );
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.errorType).toBe('InvalidInput');
        expect(error.serverMessage).toMatch(
          /only subnets inside 127\.0\.0\.0\/8 are allowed.*\(got 192\.168\.222\.0\/24\)/,
        );
      });

      it('a cloud without the L3 extension answers floating IPs with 404, which the client reports as NotFoundError', async () => {
        if (!isDevcloud()) return; // other clouds may well have routers and floating IPs
        const error = await failureOf(client.network.floatingIps.list().toArray());
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error.errorType).toBe('HTTPNotFound');
      });
    });
  },
);
