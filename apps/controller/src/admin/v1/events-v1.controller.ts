import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorView } from './operator-view';
import { EventsQuery } from './v1-requests.dto';
import { ErrorV1, EventListV1 } from './v1-resources';
import { v1Validation } from './v1-validation.pipe';

/** `GET /v1/events`: scale, heal, adoption and traffic-switch events with timed phase transitions. */
@ApiTags('events')
@Controller('v1/events')
export class EventsV1Controller {
  constructor(private readonly view: OperatorView) {}

  @Get()
  @ApiOperation({
    summary:
      'Activity, newest first: scale-outs, replacements, adoptions, scale-ins, heals, traffic switches, each phase transition with elapsed ms',
  })
  @ApiOkResponse({ type: EventListV1 })
  @ApiBadRequestResponse({ type: ErrorV1 })
  list(@Query(v1Validation(['since', 'limit'])) query: EventsQuery): EventListV1 {
    return { events: this.view.events(query.since, query.limit) };
  }
}
