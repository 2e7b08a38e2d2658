/** Jest's `describe`, read from the global at call time: the library itself is built without jest's types. */
interface JestDescribe {
  (title: string, body: () => void): void;
  skip(title: string, body: () => void): void;
}

/**
 * `describe` when there is no reason to skip, else `describe.skip` with the reason in the title
 * and one line on stderr (jest prints skipped titles only in verbose mode). The one skip helper
 * behind describeWithTools and describeWithCloud.
 */
export function describeOrSkip(
  title: string,
  body: () => void,
  skipReason: string | undefined,
  logTag: string,
): void {
  const describe = (globalThis as { describe?: JestDescribe }).describe;
  if (describe === undefined)
    throw new Error(`"${title}" must be declared inside a jest test file`);
  if (skipReason === undefined) {
    describe(title, body);
    return;
  }
  process.stderr.write(`[${logTag}] SKIPPED "${title}": ${skipReason}\n`);
  describe.skip(`${title} [skipped: ${skipReason}]`, body);
}
