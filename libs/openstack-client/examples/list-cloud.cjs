#!/usr/bin/env node
// Runnable example for @osa/openstack-client (see ../README.md):
//   npx nx build openstack-client
//   OS_CLOUD=devcloud OS_CLIENT_CONFIG_FILE=/var/lib/devcloud/clouds.yaml node libs/openstack-client/examples/list-cloud.cjs
// Read-only: prints the token's project, the negotiated compute microversion, flavors, images,
// networks and servers with their IPv4 fixed address.
'use strict';
const { OpenStackClient, extractAddress, OpenStackError } = require('@osa/openstack-client');

async function main() {
  const os = OpenStackClient.fromEnvironment(); // OS_CLOUD (clouds.yaml + secure.yaml) or OS_* variables
  try {
    const token = await os.identity.token();
    console.log(
      `project ${token.projectName} (${token.projectId}), token valid until ${token.expiresAt.toISOString()}`,
    );
    console.log(`compute microversion ${await os.compute.microversion()}`);
    for await (const flavor of os.compute.flavors.list())
      console.log(`flavor  ${flavor.name}: ${flavor.vcpus} vCPU, ${flavor.ramMb} MB`);
    for await (const image of os.image.images.list({ status: 'active' }))
      console.log(`image   ${image.name} ${image.id}`);
    for await (const network of os.network.networks.list())
      console.log(`network ${network.name} ${network.id}`);
    for await (const server of os.compute.servers.list()) {
      let address;
      try {
        address = extractAddress(server, { ipVersion: 4, type: 'fixed' });
      } catch (err) {
        address = `(${err.message})`;
      }
      console.log(`server  ${server.name} ${server.status} ${address}`);
    }
  } finally {
    os.close();
  }
}

main().catch((err) => {
  // Every failure is an OpenStackError with a message that names what went wrong (never a secret).
  console.error(err instanceof OpenStackError ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
