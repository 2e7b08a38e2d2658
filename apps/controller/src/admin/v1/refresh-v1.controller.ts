import { Body, ConflictException, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RefreshConflictError, RefreshService, RefreshStatus } from '../../refresh/refresh.service';
import { ErrorV1 } from './v1-resources';
import { v1Validation } from './v1-validation.pipe';
import { RefreshActionRequest, RefreshStatusV1, StartRefreshRequest } from './refresh-v1.resources';

/** `/v1/refresh`: the instance refresh (golden-image rollout) -- status, start, pause, resume, cancel. */
@ApiTags('refresh')
@Controller('v1/refresh')
export class RefreshV1Controller {
  constructor(private readonly refresh: RefreshService) {}

  @Get()
  @ApiOperation({
    summary:
      'The refresh in progress (canary figures, batches), the last ones, the pinned and rejected images',
  })
  @ApiOkResponse({ type: RefreshStatusV1 })
  status(): RefreshStatus {
    return this.refresh.status();
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a refresh onto an image: a canary first, then batches' })
  @ApiAcceptedResponse({ type: RefreshStatusV1 })
  @ApiBadRequestResponse({
    type: ErrorV1,
    description: 'Each message names the field, the value and what is allowed',
  })
  @ApiConflictResponse({
    type: ErrorV1,
    description: 'A refresh is already running, or the controller is starting or stopping',
  })
  async start(
    @Body(v1Validation(['image', 'reason'])) body: StartRefreshRequest,
  ): Promise<RefreshStatus> {
    await this.conflictAs409(() => this.refresh.start(body.image, 'manual'));
    return this.refresh.status();
  }

  @Post('pause')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Pause after the batch in progress (a canary stops taking traffic; its window starts again on resume)',
  })
  @ApiOkResponse({ type: RefreshStatusV1 })
  @ApiConflictResponse({
    type: ErrorV1,
    description: 'No refresh running, already paused, or rolling back',
  })
  pause(@Body(v1Validation(['reason'])) body: RefreshActionRequest): Promise<RefreshStatus> {
    return this.act(() => this.refresh.pause(body.reason ?? 'osa refresh pause'));
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused refresh' })
  @ApiOkResponse({ type: RefreshStatusV1 })
  @ApiConflictResponse({ type: ErrorV1, description: 'No refresh running, or not paused' })
  resume(@Body(v1Validation(['reason'])) body: RefreshActionRequest): Promise<RefreshStatus> {
    return this.act(() => this.refresh.resume(body.reason ?? 'osa refresh resume'));
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Stop the refresh: replaced instances stay, a canary being judged is drained and deleted, the old image is pinned',
  })
  @ApiOkResponse({ type: RefreshStatusV1 })
  @ApiConflictResponse({ type: ErrorV1, description: 'No refresh running, or rolling back' })
  cancel(@Body(v1Validation(['reason'])) body: RefreshActionRequest): Promise<RefreshStatus> {
    return this.act(() => this.refresh.cancel(body.reason ?? 'osa refresh cancel'));
  }

  private async act(action: () => unknown): Promise<RefreshStatus> {
    await this.conflictAs409(action);
    return this.refresh.status();
  }

  private async conflictAs409(action: () => unknown): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof RefreshConflictError)
        throw new ConflictException({ statusCode: 409, error: 'Conflict', message: error.message });
      throw error;
    }
  }
}
