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
