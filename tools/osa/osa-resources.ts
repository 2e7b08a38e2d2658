/**
 * The v1 admin API resources as the CLI reads them (the controller's /v1/openapi.json is the
 * contract; the CLI does not import the controller: apps never depend on apps).
 */
export interface StatusV1 {
  lifecycle: string;
  provider: string;
  traffic: string;
  duringScaleOut: string;
  scaling: ScalingV1;
  gate: { state: string; reason: string | null; since: string | null; queueDepth: number };
  cloudApi: { state: string; degradedSince: string | null; lastError: string | null };
  requests: {
    received: number;
    forwarded: number;
    rejectedWhileScaling: number;
    rejectedNoBackend: number;
  };
  activeInstance: string | null;
  /** Absent from controllers older than issue 18. */
  placement?: PlacementV1;
  schedule?: ScheduleV1 | null;
}

export interface PlacementV1 {
  serverGroup?: { name: string; policy: string };
  zones: { zone: string; instances: number; skippedUntil?: string }[];
  quota?: {
    instances: { limit: number; used: number };
    cores: { limit: number; used: number };
    ramMb: { limit: number; used: number };
  };
  blocked?: { kind: string; message: string; since: string };
}

export interface ScheduleV1 {
  inForce: { minInstances: number; maxInstances: number; desired?: number };
  next: {
    at: string;
    entry: string;
    minInstances?: number;
    maxInstances?: number;
    desired?: number;
  }[];
}

export interface ScalingV1 {
  autoscaling: string;
  desired: number | null;
  actual: number;
  serving: number;
  minInstances: number;
  maxInstances: number;
  inProgress: number;
}

export interface InstanceV1 {
  id: string;
  name: string;
  role: string;
  phase: string;
  health: string;
  serving: boolean;
  address: string | null;
  createdAt: string;
  ageSeconds: number;
  requestsServed: number;
  inFlight: number;
  image: { id: string | null; bakedAt: string | null; description: string } | null;
  lastHealthCheck: { ok: boolean; detail: string; at: string } | null;
}

export interface PhaseTransitionV1 {
  from: string | null;
  to: string;
  at: string;
  elapsedMs: number;
  totalMs: number;
}

export interface EventV1 {
  id: number;
  kind: string;
  sequence: number | null;
  trigger: string;
  state: string;
  instanceName: string;
  instanceId: string | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  phaseDurationsMs: Record<string, number>;
  transitions: PhaseTransitionV1[];
}

export interface ActionResultV1 {
  changed: boolean;
  message: string;
  scaling: ScalingV1;
}

export interface ConfigV1 {
  origin: Record<string, unknown>;
  config: Record<string, unknown>;
}
