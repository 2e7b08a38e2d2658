import { ConfigProblem } from './config-error';

/**
 * Keys that moved. Each old key is still accepted: its value is moved to the new place before
 * validation and a warning names the new key, so a config that worked keeps working.
 */
export const MOVED_KEYS: ReadonlyArray<{
  readonly from: readonly string[];
  readonly to: readonly string[];
}> = [
  { from: ['scaling', 'traffic'], to: ['traffic', 'mode'] },
  { from: ['scaling', 'duringScaleOut'], to: ['traffic', 'duringScaleOut'] },
];

type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Moves every old key found in `plain` (the file with the OSA_* overrides applied) to its new
 * place. Returns new path -> old path, so a problem with a moved value can still name where it
 * came from. Both keys in the file, with different values, is a problem (which one was meant?);
 * when an OSA_ variable (`overrideOf`: path -> variable) set one of them, the environment wins,
 * as it does over every other key of the file.
 */
export function moveDeprecatedKeys(
  plain: Mapping,
  problems: ConfigProblem[],
  warnings: string[],
  overrideOf: (path: string) => string | undefined = () => undefined,
): Map<string, string> {
  const renamed = new Map<string, string>();
  for (const { from, to } of MOVED_KEYS) {
    const oldParent = plain[from[0]];
    if (!isMapping(oldParent) || !(from[1] in oldParent)) continue;
    const newParent = plain[to[0]] ?? {};
    if (!isMapping(newParent)) continue; // validation reports the section (and the old key) itself
    const value = oldParent[from[1]];
    delete oldParent[from[1]];
    const oldPath = from.join('.');
    const newPath = to.join('.');
    plain[to[0]] = newParent;
    if (to[1] in newParent && newParent[to[1]] !== value) {
      const newVariable = overrideOf(newPath);
      const oldVariable = overrideOf(oldPath);
      if (newVariable) {
        warnings.push(
          `${oldPath} is deprecated: use ${newPath} (ignored here: ${newVariable} sets ${newPath})`,
        );
        continue;
      }
      if (!oldVariable) {
        problems.push({
          path: oldPath,
          message: `moved to ${newPath}, which is also set (to ${JSON.stringify(newParent[to[1]])}): keep only ${newPath}`,
        });
        continue;
      }
      newParent[to[1]] = value;
      renamed.set(newPath, oldPath);
      warnings.push(
        `${oldPath} is deprecated: use ${newPath} (same values; ${oldVariable} overrides ${newPath} of the file)`,
      );
      continue;
    }
    newParent[to[1]] = value;
    renamed.set(newPath, oldPath);
    warnings.push(`${oldPath} is deprecated: use ${newPath} (same values)`);
  }
  return renamed;
}
