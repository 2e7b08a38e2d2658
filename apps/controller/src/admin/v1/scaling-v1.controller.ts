import { Body, Controller, HttpCode, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { OperatorView } from './operator-view';
import { PutScalingRequest } from './v1-requests.dto';
import { ActionResultV1, ErrorV1 } from './v1-resources';
import { v1Validation } from './v1-validation.pipe';

/** `PUT /v1/scaling`: set the desired count, pause or resume autoscaling. */
@ApiTags('scaling')
@Controller('v1/scaling')
export class ScalingV1Controller {
  constructor(private readonly view: OperatorView) {}

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set desired instances and/or pause (true) or resume (false) autoscaling',
  })
  @ApiOkResponse({ type: ActionResultV1 })
  @ApiBadRequestResponse({
    type: ErrorV1,
    description: 'Each message names the field, the value and what is allowed',
  })
  @ApiConflictResponse({
    type: ErrorV1,
    description: 'The controller is still listing its group after start-up',
  })
  put(
    @Body(v1Validation(['desired', 'paused', 'reason'])) body: PutScalingRequest,
  ): ActionResultV1 {
    return this.view.setScaling(body.desired, body.paused, body.reason);
  }
}
