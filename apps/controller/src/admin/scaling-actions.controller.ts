import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Param,
  Post,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import {
  AutoscalingSwitchRequest,
  RemoveInstanceRequest,
  ScaleToRequest,
} from './scaling-actions.dto';
import { ActionResult, ScalingActionsService } from './scaling-actions.service';

/**
 * Request bodies are validated field by field: unknown fields, wrong types and out-of-range values
 * are a 400 naming each field and what it allows (no silent defaults, no coercion of "3" to 3).
 */
const validateBody = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors: ValidationError[]) =>
    new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: errors.flatMap((error) =>
        error.constraints
          ? Object.values(error.constraints).map((text) =>
              text.includes('should not exist') ? `${error.property}: unknown field` : text,
            )
          : [`${error.property}: invalid`],
      ),
    }),
});

/** Manual scaling on the admin listener: scale to N, drain and remove an instance, pause/resume autoscaling. */
@Controller()
export class ScalingActionsController {
  constructor(private readonly actions: ScalingActionsService) {}

  /** `{"instances": 3}`: the desired count becomes 3 (scaling.minInstances..maxInstances). */
  @Post('scaling/desired')
  @HttpCode(202)
  scaleTo(@Body(validateBody) body: ScaleToRequest): ActionResult {
    return this.actions.scaleTo(body.instances, body.reason);
  }

  /** `{"replace": false}`: no new requests to it, in-flight ones drain, then it is deleted. */
  @Post('instances/:id/remove')
  @HttpCode(202)
  remove(@Param('id') id: string, @Body(validateBody) body: RemoveInstanceRequest): ActionResult {
    return this.actions.removeInstance(id, body.replace ?? false, body.reason);
  }

  @Post('scaling/pause')
  @HttpCode(200)
  pause(@Body(validateBody) body: AutoscalingSwitchRequest): ActionResult {
    return this.actions.pause(body.reason);
  }

  @Post('scaling/resume')
  @HttpCode(200)
  resume(@Body(validateBody) body: AutoscalingSwitchRequest): ActionResult {
    return this.actions.resume(body.reason);
  }
}
