import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorView } from './operator-view';
import { ConfigV1, StatusV1 } from './v1-resources';

/** `GET /v1/status` and `GET /v1/config`: the summary and the effective configuration. */
@ApiTags('status')
@Controller('v1')
export class StatusV1Controller {
  constructor(private readonly view: OperatorView) {}

  @Get('status')
  @ApiOperation({
    summary:
      'Summary: desired/actual instances, autoscaling, gate, cloud API state, request counters',
  })
  @ApiOkResponse({ type: StatusV1 })
  status(): StatusV1 {
    return this.view.summary();
  }

  @Get('config')
  @ApiOperation({
    summary:
      'The effective configuration (file + OSA_* overrides + defaults), secrets masked as ***',
  })
  @ApiOkResponse({ type: ConfigV1 })
  config(): ConfigV1 {
    return this.view.effectiveConfig();
  }
}
