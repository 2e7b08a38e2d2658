/**
 * POST /servers response, copied in shape from nova doc/api_samples/servers/server-create-resp.json
 * (the same at 2.1 and 2.79 on the devcloud, /work/captures/nova/20-server-create-2.79.txt).
 */
export function serverCreateResp(
  serverId: string,
  adminPass = '6NpUwoz2QDRN',
): { server: Record<string, unknown> } {
  return {
    server: {
      'OS-DCF:diskConfig': 'AUTO',
      adminPass,
      id: serverId,
      links: [
        { href: `http://openstack.example.com/v2.1/servers/${serverId}`, rel: 'self' },
        { href: `http://openstack.example.com/servers/${serverId}`, rel: 'bookmark' },
      ],
      security_groups: [{ name: 'default' }],
    },
  };
}

/**
 * createImage at 2.45+: 202 with `{"image_id": ...}` (Compute API reference "Create Image
 * (createImage Action)", response example for 2.45; devcloud: /work/captures/nova/36-server-createImage-2.45.txt).
 * Before 2.45: 202, empty body, `Location: http://<glance>/images/<id>` (nova/35-server-createImage-2.1.txt).
 */
export const createImageRespV245 = (imageId: string) => ({ image_id: imageId });
