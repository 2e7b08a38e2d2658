import { Controller, Get } from '@nestjs/common';
import { ControllerStatus, StatusService } from './status.service';

/** `GET /status`: what the controller is doing, as JSON. */
@Controller('status')
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  get(): ControllerStatus {
    return this.status.snapshot();
  }
}
