import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidationArguments,
  ValidationOptions,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { parseSince } from './since';

/** Every v1 validation message: `field = value: what is allowed` (as the config errors read). */
export function allowed(what: string): ValidationOptions {
  return {
    message: (args: ValidationArguments) =>
      `${args.property} = ${JSON.stringify(args.value)}: ${what}`,
  };
}

/** Query strings are text: turn only exact forms into numbers/booleans, leave anything else for the validator to name. */
const integerText = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const booleanText = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

@ValidatorConstraint({ name: 'since' })
class SinceConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseSince(value, new Date()) !== undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} = ${JSON.stringify(args.value)}: must be a duration back from now (30s, 10m, 2h, 1d) or an ISO 8601 time`;
  }
}

/** `PUT /v1/scaling`: the desired instance count and/or whether autoscaling is paused. */
export class PutScalingRequest {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    description: 'Desired instances, the original included (scaling.minInstances..maxInstances)',
  })
  @IsOptional()
  // class-validator runs these bottom-up and stops at the first failure (stopAtFirstError): the type first.
  @Max(1000, allowed('must be at most 1000'))
  @Min(1, allowed('must be at least 1'))
  @IsInt(allowed('must be an integer (instances wanted, the original included)'))
  desired?: number;

  @ApiPropertyOptional({
    description: 'true: autoscaling policies stop moving the desired count; false: they resume',
  })
  @IsOptional()
  @IsBoolean(allowed('must be true or false'))
  paused?: boolean;

  @ApiPropertyOptional({ maxLength: 200, description: 'Recorded in the log and the event trigger' })
  @IsOptional()
  @MaxLength(200, allowed('must be at most 200 characters'))
  @IsString(allowed('must be a string'))
  reason?: string;
}

/** `DELETE /v1/instances/{id}?replace=true`. */
export class RemoveInstanceQuery {
  @ApiPropertyOptional({
    description:
      'true: a new instance takes its place (desired stays); false (default): desired goes down by one',
  })
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean(allowed('must be true or false'))
  replace?: boolean;
}

/** `GET /v1/events?since=10m&limit=100`. */
export class EventsQuery {
  @ApiPropertyOptional({
    description:
      'Only events started since then: a duration back from now (30s, 10m, 2h, 1d) or an ISO 8601 time',
  })
  @IsOptional()
  @Validate(SinceConstraint)
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(integerText)
  @Max(1000, allowed('must be an integer from 1 to 1000'))
  @Min(1, allowed('must be an integer from 1 to 1000'))
  @IsInt(allowed('must be an integer from 1 to 1000'))
  limit?: number;
}
