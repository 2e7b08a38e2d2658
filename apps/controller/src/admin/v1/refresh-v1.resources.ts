import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { allowed } from './v1-requests.dto';

/** `POST /v1/refresh`: roll the group onto this image. */
export class StartRefreshRequest {
  @ApiProperty({
    description: 'The image id to roll onto (Glance image id, or the local image store id)',
    maxLength: 64,
  })
  @Matches(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    allowed('must be an image id: letters, digits, ".", "_" or "-", at most 64 characters'),
  )
  @IsString(allowed('must be a string (the image id)'))
  image!: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Why (logged)' })
  @IsOptional()
  @MaxLength(200, allowed('must be at most 200 characters'))
  @IsString(allowed('must be a string'))
  reason?: string;
}

/** `POST /v1/refresh/{pause,resume,cancel}`. */
export class RefreshActionRequest {
  @ApiPropertyOptional({ maxLength: 200, description: 'Why (logged)' })
  @IsOptional()
  @MaxLength(200, allowed('must be at most 200 characters'))
  @IsString(allowed('must be a string'))
  reason?: string;
}

export class TrafficSampleV1 {
  @ApiProperty()
  requests!: number;
  @ApiProperty({ description: '5xx answers and transport failures' })
  errors!: number;
  @ApiProperty({ type: Number, nullable: true })
  p99Ms!: number | null;
}

export class CanaryV1 {
  @ApiProperty({ type: String, nullable: true })
  instanceId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  instanceName!: string | null;
  @ApiProperty({ description: 'Share of requests it takes while judged (refresh.canaryWeight)' })
  weight!: number;
  @ApiProperty()
  windowMs!: number;
  @ApiProperty()
  observedMs!: number;
  @ApiProperty({ type: TrafficSampleV1, nullable: true })
  sample!: TrafficSampleV1 | null;
  @ApiProperty({
    type: TrafficSampleV1,
    nullable: true,
    description: 'The old instances over the same window',
  })
  baseline!: TrafficSampleV1 | null;
  @ApiProperty({ type: String, nullable: true })
  verdict!: string | null;
}

export class RefreshV1 {
  @ApiProperty()
  id!: string;
  @ApiProperty({
    enum: [
      'canary',
      'rolling',
      'paused',
      'rolling-back',
      'rolled-back',
      'completed',
      'cancelled',
      'interrupted',
    ],
  })
  state!: string;
  @ApiProperty({ enum: ['bake', 'manual', 'resumed'] })
  trigger!: string;
  @ApiProperty({ type: String, nullable: true })
  fromImageId!: string | null;
  @ApiProperty()
  toImageId!: string;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty({ type: String, nullable: true })
  finishedAt!: string | null;
  @ApiProperty({ description: 'Old clones at the start' })
  total!: number;
  @ApiProperty()
  replaced!: number;
  @ApiProperty({ type: CanaryV1 })
  canary!: CanaryV1;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it paused, rolled back, was cancelled or ended',
  })
  reason!: string | null;
}

export class RefreshStatusV1 {
  @ApiProperty({ type: RefreshV1, nullable: true })
  current!: RefreshV1 | null;
  @ApiProperty({ type: [RefreshV1] })
  history!: RefreshV1[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The image new instances start from when pinned',
  })
  pinnedImageId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  pinReason!: string | null;
  @ApiProperty({ type: [String] })
  rejectedImageIds!: string[];
}
