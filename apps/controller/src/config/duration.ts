import ms from 'ms';

/**
 * The one duration format of the controller's config and CLIs: what the `ms` library reads
 * (`1500ms`, `90s`, `10m`, `1h`, `2d`; a bare number is milliseconds), rounded to whole
 * milliseconds. Undefined for anything else, negative durations included.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 100) return undefined; // ms() refuses long input itself
  const value = ms(trimmed as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : undefined;
}
