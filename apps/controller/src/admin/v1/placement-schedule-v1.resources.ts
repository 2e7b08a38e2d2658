import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** /v1/status `placement` and `schedule` (issue 18): where new instances go, what holds them, and scheduled capacity. */

export class CapacityBlockV1 {
  @ApiProperty({ enum: ['quota', 'no-valid-host'] })
  kind!: string;
  @ApiProperty({
    description:
      'One line: which quota and by how much, or which group cannot place another instance and what to do',
  })
  message!: string;
  @ApiProperty()
  since!: string;
  @ApiPropertyOptional({
    description:
      'kind quota: the quota (instances, cores, ram) and how far over the next instance would take it',
  })
  quota?: { name: string; over?: number };
}

export class QuotaUseV1 {
  @ApiProperty({ description: '-1 means unlimited' })
  limit!: number;
  @ApiProperty()
  used!: number;
}

export class QuotaV1 {
  @ApiProperty({ type: QuotaUseV1 })
  instances!: QuotaUseV1;
  @ApiProperty({ type: QuotaUseV1 })
  cores!: QuotaUseV1;
  @ApiProperty({ type: QuotaUseV1, description: 'MiB' })
  ramMb!: QuotaUseV1;
  @ApiPropertyOptional({ description: 'The flavor new instances use: name, vcpus, ramMb' })
  flavor?: { name: string; vcpus: number; ramMb: number };
  @ApiProperty({ description: 'When Nova was last asked (GET /limits)' })
  readAt!: string;
}

export class ZoneV1 {
  @ApiProperty()
  zone!: string;
  @ApiProperty({ description: "The group's instances in this zone" })
  instances!: number;
  @ApiPropertyOptional({
    description: 'Skipped for new instances until then (a build failed there)',
  })
  skippedUntil?: string;
}

export class PlacementV1 {
  @ApiPropertyOptional({ description: 'provider.openstack.serverGroup: name and policy' })
  serverGroup?: { name: string; policy: string };
  @ApiProperty({ type: [ZoneV1] })
  zones!: ZoneV1[];
  @ApiPropertyOptional({ type: QuotaV1 })
  quota?: QuotaV1;
  @ApiPropertyOptional({
    type: CapacityBlockV1,
    description: 'Set while no instance can be placed; scale-outs wait until capacity changes',
  })
  blocked?: CapacityBlockV1;
}

export class ScheduledChangeV1 {
  @ApiProperty()
  at!: string;
  @ApiProperty()
  entry!: string;
  @ApiPropertyOptional()
  minInstances?: number;
  @ApiPropertyOptional()
  maxInstances?: number;
  @ApiPropertyOptional()
  desired?: number;
}

export class CapacityInForceV1 {
  @ApiProperty()
  minInstances!: number;
  @ApiProperty()
  maxInstances!: number;
  @ApiPropertyOptional({ description: 'The last scheduled desired count (before clamping)' })
  desired?: number;
  @ApiPropertyOptional()
  minFrom?: string;
  @ApiPropertyOptional()
  maxFrom?: string;
  @ApiPropertyOptional()
  desiredFrom?: string;
}

export class ScheduleV1 {
  @ApiProperty({ type: CapacityInForceV1 })
  inForce!: CapacityInForceV1;
  @ApiProperty({ type: [ScheduledChangeV1], description: 'The next three scheduled changes' })
  next!: ScheduledChangeV1[];
}
