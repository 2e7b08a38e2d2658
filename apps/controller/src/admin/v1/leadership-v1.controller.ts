import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Leadership, LEADERSHIP } from '../../seams/leadership';

export class LeadershipV1 {
  @ApiProperty({
    description: 'false: the only controller (leadership.enabled=false), always acting',
  })
  enabled!: boolean;
  @ApiProperty({ enum: ['single', 'leader', 'standby'] })
  role!: string;
  @ApiProperty({ description: 'This controller in the lease (leadership.holderId)' })
  holderId!: string;
  @ApiProperty({ description: 'Who holds the lease as last read ("" when nobody)' })
  leaseHolder!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The Neutron security group holding the lease',
  })
  leaseResourceId!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Its revision_number as last read' })
  leaseRevision!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'While leader: when it stops acting unless a renew is confirmed',
  })
  actingUntil!: string | null;
  @ApiProperty()
  detail!: string;
}

/** `GET /v1/leadership`: this controller's role in the pair (docs/architecture.md "The controller as a pair"). */
@ApiTags('status')
@Controller('v1')
export class LeadershipV1Controller {
  constructor(@Inject(LEADERSHIP) private readonly leadership: Leadership) {}

  @Get('leadership')
  @ApiOperation({
    summary:
      'Role in the controller pair (leader, standby or single), lease holder and when the lease ends',
  })
  @ApiOkResponse({ type: LeadershipV1 })
  status(): LeadershipV1 {
    const view = this.leadership.view();
    return {
      ...view,
      leaseResourceId: view.leaseResourceId ?? null,
      leaseRevision: view.leaseRevision ?? null,
      actingUntil: view.actingUntil ?? null,
    };
  }
}
