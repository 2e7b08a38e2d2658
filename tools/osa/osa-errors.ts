/** Exit codes (README): 0 ok, 1 the controller refused or failed, 2 bad usage or unreachable. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE_OR_UNREACHABLE = 2;

/** Bad command line: exit 2 with a one-line reason. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The controller could not be reached (refused, timed out, not HTTP): exit 2. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** The controller answered with an error status: exit 1, its message as the reason. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof RefusedError) return EXIT_REFUSED;
  return EXIT_USAGE_OR_UNREACHABLE;
}
