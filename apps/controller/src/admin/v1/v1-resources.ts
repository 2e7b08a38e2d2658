import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PlacementV1, ScheduleV1 } from './placement-schedule-v1.resources';

/**
 * The v1 resources as they go on the wire. Classes (not interfaces) so @nestjs/swagger can
 * describe them in /v1/openapi.json from this one definition.
 */

export class ImageV1 {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Golden image id; null for the original or an un-baked local bundle',
  })
  id!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the image was baked (ISO 8601), when known',
  })
  bakedAt!: string | null;
  @ApiProperty()
  description!: string;
}

export class HealthCheckV1 {
  @ApiProperty()
  ok!: boolean;
  @ApiProperty()
  detail!: string;
  @ApiProperty()
  at!: string;
}

export class InstanceV1 {
  @ApiProperty()
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: ['original', 'clone'] })
  role!: string;
  @ApiProperty({
    enum: [
      'creating',
      'powering-on',
      'booting',
      'addressing',
      'health-checking',
      'admitted',
      'deleting',
    ],
  })
  phase!: string;
  @ApiProperty({ enum: ['healthy', 'ejected'] })
  health!: string;
  @ApiProperty({ description: 'Receiving new requests now' })
  serving!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'host:port of its service, once addressed',
  })
  address!: string | null;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty()
  ageSeconds!: number;
  @ApiProperty()
  requestsServed!: number;
  @ApiProperty()
  inFlight!: number;
  @ApiProperty({ type: ImageV1, nullable: true })
  image!: ImageV1 | null;
  @ApiProperty({ type: HealthCheckV1, nullable: true })
  lastHealthCheck!: HealthCheckV1 | null;
}

export class InstanceListV1 {
  @ApiProperty({ type: [InstanceV1] })
  instances!: InstanceV1[];
}

export class GateV1 {
  @ApiProperty({
    enum: ['open', 'rejecting', 'queueing'],
    description:
      'rejecting: 503 while scaling; queueing: requests held until an instance is healthy',
  })
  state!: string;
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;
  @ApiProperty({ type: String, nullable: true })
  since!: string | null;
  @ApiProperty({ description: 'Requests held now (duringScaleOut: queue)' })
  queueDepth!: number;
}

export class CloudApiV1 {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  state!: string;
  @ApiProperty({ type: String, nullable: true })
  degradedSince!: string | null;
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
}

export class WarmPoolV1 {
  @ApiProperty({ description: 'scaling.warmPool.size (0: no warm pool)' })
  size!: number;
  @ApiProperty({ description: 'Warm servers stopped and ready' })
  warm!: number;
  @ApiProperty({ description: 'Refills in progress' })
  filling!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Since when the project quota refuses refills',
  })
  quotaRefusedSince!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The cloud's refusal message" })
  quotaRefusal!: string | null;
}

export class ScalingV1 {
  @ApiProperty({ enum: ['active', 'paused'] })
  autoscaling!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'null until the group was listed after start-up',
  })
  desired!: number | null;
  @ApiProperty()
  actual!: number;
  @ApiProperty()
  serving!: number;
  @ApiProperty()
  minInstances!: number;
  @ApiProperty()
  maxInstances!: number;
  @ApiProperty({ description: 'Scale-outs, scale-ins and heals running now' })
  inProgress!: number;
}

export class RequestCountersV1 {
  @ApiProperty()
  received!: number;
  @ApiProperty()
  forwarded!: number;
  @ApiProperty()
  rejectedWhileScaling!: number;
  @ApiProperty()
  rejectedNoBackend!: number;
}

export class StatusV1 {
  @ApiProperty({ enum: ['starting', 'running', 'shutting-down'] })
  lifecycle!: string;
  @ApiProperty({ enum: ['local', 'openstack'] })
  provider!: string;
  @ApiProperty({ enum: ['switch', 'pool'] })
  traffic!: string;
  @ApiProperty({ enum: ['reject', 'serve', 'queue'] })
  duringScaleOut!: string;
  @ApiProperty({ type: ScalingV1 })
  scaling!: ScalingV1;
  @ApiProperty({ type: GateV1 })
  gate!: GateV1;
  @ApiProperty({ type: CloudApiV1 })
  cloudApi!: CloudApiV1;
  @ApiProperty({ type: WarmPoolV1 })
  warmPool!: WarmPoolV1;
  @ApiProperty({ type: RequestCountersV1 })
  requests!: RequestCountersV1;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The instance new requests go to (traffic: switch)',
  })
  activeInstance!: string | null;
  @ApiProperty({ type: PlacementV1 })
  placement!: PlacementV1;
  @ApiProperty({ type: ScheduleV1, nullable: true, description: 'null without scaling.schedule' })
  schedule!: ScheduleV1 | null;
}

export class PhaseTransitionV1 {
  @ApiProperty({ type: String, nullable: true })
  from!: string | null;
  @ApiProperty()
  to!: string;
  @ApiProperty()
  at!: string;
  @ApiProperty({ description: 'Milliseconds spent in `from`' })
  elapsedMs!: number;
  @ApiProperty({ description: 'Milliseconds since the event started' })
  totalMs!: number;
}

export class EventV1 {
  @ApiProperty()
  id!: number;
  @ApiProperty({
    enum: [
      'scale-out',
      'replacement',
      'adoption',
      'refresh',
      'scale-in',
      'heal',
      'replaced',
      'rollback',
      'traffic-switch',
    ],
  })
  kind!: string;
  @ApiProperty({ type: Number, nullable: true })
  sequence!: number | null;
  @ApiProperty()
  trigger!: string;
  @ApiProperty({
    description: 'Current or final state (admitted, removed, failed, switched, or a phase)',
  })
  state!: string;
  @ApiProperty()
  instanceName!: string;
  @ApiProperty({ type: String, nullable: true })
  instanceId!: string | null;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty({ type: String, nullable: true })
  finishedAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'How it ended (failure reason, cleanup, delete outcome)',
  })
  outcome!: string | null;
  @ApiProperty({
    description: 'Milliseconds per phase',
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  phaseDurationsMs!: Record<string, number>;
  @ApiProperty({ type: [PhaseTransitionV1] })
  transitions!: PhaseTransitionV1[];
}

export class EventListV1 {
  @ApiProperty({ type: [EventV1], description: 'Newest first' })
  events!: EventV1[];
}

export class ActionResultV1 {
  @ApiProperty()
  changed!: boolean;
  @ApiProperty()
  message!: string;
  @ApiProperty({ type: ScalingV1 })
  scaling!: ScalingV1;
}

export class ConfigV1 {
  @ApiProperty({
    description: 'Config file and OSA_* overrides it came from',
    type: 'object',
    additionalProperties: true,
  })
  origin!: Record<string, unknown>;
  @ApiProperty({
    description: 'The effective configuration; secrets shown as ***',
    type: 'object',
    additionalProperties: true,
  })
  config!: Record<string, unknown>;
}

export class ErrorV1 {
  @ApiProperty()
  statusCode!: number;
  @ApiProperty()
  error!: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  message!: string | string[];
}

export class RemovalAcceptedV1 extends ActionResultV1 {
  @ApiPropertyOptional({ description: 'The instance being drained and removed' })
  instance?: InstanceV1;
}
