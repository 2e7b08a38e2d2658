/**
 * GET /flavors/detail at 2.75, copied in shape from nova doc/api_samples/flavors/v2.75/flavors-detail-resp.json
 * (`swap: 0`, `description`, `extra_specs`); devcloud: /work/captures/nova/05b-flavors-detail-2.79.txt.
 */
export function flavor(
  id: string,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    'OS-FLV-DISABLED:disabled': false,
    disk: 1,
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'os-flavor-access:is_public': true,
    id,
    links: [
      { href: `http://openstack.example.com/v2.1/flavors/${id}`, rel: 'self' },
      { href: `http://openstack.example.com/flavors/${id}`, rel: 'bookmark' },
    ],
    name,
    ram: 512,
    swap: 0,
    vcpus: 1,
    rxtx_factor: 1.0,
    description: null,
    extra_specs: {},
    ...extra,
  };
}

export const flavorsDetailResp = (flavors: Array<Record<string, unknown>>) => ({ flavors });

/** Before 2.75 Nova sends `swap: ""` for no swap (nova doc/api_samples/flavors/flavors-detail-resp.json). */
export const legacyFlavor = (id: string, name: string) => flavor(id, name, { swap: '' });
