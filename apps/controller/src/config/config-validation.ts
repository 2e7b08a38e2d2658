import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { ConfigProblem, showValue } from './config-error';
import { isSecretField, SECRET_MASK } from './secret-field';

/**
 * Unknown keys are masked when their name looks like a credential (a typo of `password` is still a
 * password; `tok`/`cred`/`key` catch `bearerTokn`, `credentals`, `apiKey`) or their value looks
 * generated: a run of 16+ characters mixing letters and digits is a token under any name.
 */
const SECRET_LOOKING_KEY = /pa?s+w|pwd|secret|tok|bearer|cred|auth|key/i;

function looksLikeSecretValue(shown: string): boolean {
  return shown
    .split(/[\s"'{}[\],:]+/)
    .some((word) => word.length >= 16 && /[A-Za-z]/.test(word) && /\d/.test(word));
}

/**
 * Builds a config class from plain data (defaults fill what is missing) and validates it with
 * class-validator. Returns every problem, one per bad field; unknown keys are problems too.
 * `sourceOf(path)` names where a value came from (e.g. an environment variable).
 */
export function validateConfigObject<T extends object>(
  configClass: new () => T,
  plain: Record<string, unknown>,
  sourceOf: (path: string) => string | undefined = () => undefined,
): { config: T; problems: ConfigProblem[] } {
  const config = plainToInstance(configClass, plain, { exposeDefaultValues: true });
  const errors = validateSync(config, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: true, value: true },
  });
  const problems: ConfigProblem[] = [];
  collectProblems(errors, '', problems, sourceOf);
  return { config, problems };
}

function collectProblems(
  errors: readonly ValidationError[],
  prefix: string,
  out: ConfigProblem[],
  sourceOf: (path: string) => string | undefined,
): void {
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    if (error.constraints) {
      const unknownKey = 'whitelistValidation' in error.constraints;
      const masked = unknownKey
        ? SECRET_LOOKING_KEY.test(error.property) || looksLikeSecretValue(showValue(error.value))
        : isSecretField(error.target, error.property);
      const message = unknownKey
        ? `unknown key (allowed here: ${allowedKeys(error.target).join(', ')})`
        : [...new Set(constraintMessages(error.constraints))].join('; ');
      out.push({
        path,
        shownValue: masked ? SECRET_MASK : showValue(error.value),
        message,
        source: sourceOf(path),
      });
    }
    if (error.children?.length) collectProblems(error.children, path, out, sourceOf);
  }
}

/** Our own "must be a section" message already says what class-validator's generic nested one does. */
function constraintMessages(constraints: Record<string, string>): string[] {
  const entries = Object.entries(constraints);
  const specific = entries.filter(([name]) => name !== 'nestedValidation');
  return (specific.length > 0 ? specific : entries).map(([, message]) => message);
}

function allowedKeys(target: object | undefined): string[] {
  if (!target) return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(
    target.constructor,
    '',
    true,
    false,
  );
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}
