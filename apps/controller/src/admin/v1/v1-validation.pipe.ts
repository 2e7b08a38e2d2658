import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * The v1 validation: unknown fields, wrong types and out-of-range values are a 400 whose
 * messages name the field, the value given and what is allowed (the DTOs' messages read
 * `field = value: ...`). Nothing is silently defaulted or coerced ("3" is not 3 in a body).
 */
export function v1Validation(allowedFields: readonly string[]): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) =>
      new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: errors.flatMap((error) =>
          Object.values(error.constraints ?? { invalid: `${error.property}: invalid` }).map(
            (text) =>
              text.includes('should not exist')
                ? `${error.property} = ${JSON.stringify(error.value)}: unknown field; allowed: ${allowedFields.join(', ')}`
                : text,
          ),
        ),
      }),
  });
}
