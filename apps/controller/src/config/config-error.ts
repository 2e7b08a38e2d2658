/** One bad setting: where it is, what it held (masked if secret), what is allowed, where it came from. */
export interface ConfigProblem {
  /** Dotted path in the config (`scaling.thresholdRequests`), or the argument/file concerned. */
  readonly path: string;
  /** The offending value as printed (JSON, truncated; `***` for secrets); undefined when not applicable. */
  readonly shownValue?: string;
  /** What is wrong / what is allowed. */
  readonly message: string;
  /** Where the value came from: the config file or the environment variable that set it. */
  readonly source?: string;
}

/** The configuration cannot be used. Lists every problem at once; the controller exits with code 2. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
  }
}

export const CONFIG_ERROR_EXIT_CODE = 2;

function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) => {
    const value = problem.shownValue === undefined ? '' : ` = ${problem.shownValue}`;
    const source = problem.source ? ` (from ${problem.source})` : '';
    return `  - ${problem.path}${value}: ${problem.message}${source}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `invalid controller configuration (${count}):\n${lines.join('\n')}`;
}

/** A value as shown in a message: JSON, at most 80 characters. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
