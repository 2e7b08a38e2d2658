import type { WireReader } from '../../common/wire';

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  /** `OS-FLV-EXT-DATA:ephemeral`. */
  ephemeralGb: number;
  /** `swap` in MB (Nova sends "" for none before 2.75, 0 from 2.75). */
  swapMb: number;
  /** `os-flavor-access:is_public`. */
  isPublic: boolean;
  /** `OS-FLV-DISABLED:disabled`. */
  disabled: boolean;
  /** `description` from 2.55. */
  description?: string;
  /** `extra_specs` from 2.61 (only when policy allows). */
  extraSpecs?: Record<string, string>;
}

type Obj = Record<string, unknown>;

export function parseFlavor(wire: WireReader, f: Obj, path = 'flavor'): Flavor {
  // `swap` is "" for none before 2.75 and 0 from 2.75 (API reference, "List Flavors With Details").
  const swap = f['swap'] === '' ? 0 : (wire.optionalNumber(f, 'swap', path) ?? 0);
  return {
    id: wire.string(f, 'id', path),
    name: wire.string(f, 'name', path),
    vcpus: wire.number(f, 'vcpus', path),
    ramMb: wire.number(f, 'ram', path),
    diskGb: wire.number(f, 'disk', path),
    ephemeralGb: wire.optionalNumber(f, 'OS-FLV-EXT-DATA:ephemeral', path) ?? 0,
    swapMb: swap,
    isPublic: wire.optionalBoolean(f, 'os-flavor-access:is_public', path) ?? true,
    disabled: wire.optionalBoolean(f, 'OS-FLV-DISABLED:disabled', path) ?? false,
    description: wire.optionalString(f, 'description', path),
    extraSpecs:
      f['extra_specs'] === undefined || f['extra_specs'] === null
        ? undefined
        : wire.stringRecord(f, 'extra_specs', path),
  };
}

export function parseFlavorPage(
  wire: WireReader,
  root: Obj,
): { items: Flavor[]; next: string | undefined } {
  return {
    items: wire
      .array(root, 'flavors', 'body')
      .map((f, i) => parseFlavor(wire, wire.record(f, `flavors[${i}]`), `flavors[${i}]`)),
    next: wire.nextLink(root, 'flavors_links', 'body'),
  };
}
