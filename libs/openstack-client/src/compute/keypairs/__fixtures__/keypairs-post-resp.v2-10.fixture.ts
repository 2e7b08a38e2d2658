/**
 * POST /os-keypairs (generate) response, copied in shape from
 * nova doc/api_samples/os-keypairs/v2.10/keypairs-post-resp.json (`type`, `user_id`, `private_key`);
 * Nova 2.91 on the devcloud: /work/captures/nova/11b-keypair-create-generate-2.91.txt.
 */
export const PRIVATE_KEY =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEApBdzF+fTq5QbN3R1QlGGOnRhHQ3gsOrNZ7sqd9Zx\n-----END RSA PRIVATE KEY-----\n';

export function keypairsPostResp(name: string): Record<string, unknown> {
  return {
    keypair: {
      fingerprint: '7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd',
      name,
      type: 'ssh',
      private_key: PRIVATE_KEY,
      public_key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCkF3MX59OrlBs3dH5CU Generated-by-Nova',
      user_id: 'fake',
    },
  };
}

/** GET /os-keypairs: entries wrapped as {"keypair": {...}} (nova doc/api_samples/os-keypairs/v2.35/keypairs-list-resp.json). */
export function keypairsListResp(names: string[], nextHref?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    keypairs: names.map((name) => ({
      keypair: {
        fingerprint: '7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd',
        name,
        type: 'ssh',
        public_key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCkF3MX59OrlBs3dH5CU Generated-by-Nova',
      },
    })),
  };
  if (nextHref) body['keypairs_links'] = [{ href: nextHref, rel: 'next' }];
  return body;
}
