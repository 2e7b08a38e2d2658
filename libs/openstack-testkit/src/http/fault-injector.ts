// Injected faults: the first active rule matching a request's service, method and path decides
// what goes wrong with it (status, delay, hang, malformed body, dropped connection).
import type { FaultHandle, FaultRule, ServiceName } from '../fake-openstack.types';

class ActiveFault implements FaultHandle {
  hits = 0;
  removed = false;

  constructor(readonly rule: FaultRule) {}

  remove(): void {
    this.removed = true;
  }

  get exhausted(): boolean {
    return this.removed || (this.rule.times !== undefined && this.hits >= this.rule.times);
  }
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    validateRule(rule);
    const fault = new ActiveFault(rule);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    for (const fault of this.faults) fault.remove();
    this.faults = [];
  }

  /** Claim the rule for this request (counts a hit), or undefined when none applies. */
  take(service: ServiceName, method: string, path: string): FaultRule | undefined {
    this.faults = this.faults.filter((fault) => !fault.exhausted);
    const fault = this.faults.find(
      (f) =>
        f.rule.service === service &&
        (f.rule.method === undefined || f.rule.method.toUpperCase() === method) &&
        (f.rule.path === undefined || f.rule.path.test(path)),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    return fault.rule;
  }
}

const SERVICES: readonly ServiceName[] = [
  'identity',
  'compute',
  'image',
  'network',
  'load-balancer',
];

function validateRule(rule: FaultRule): void {
  if (!SERVICES.includes(rule.service)) {
    throw new Error(
      `inject(): service must be one of ${SERVICES.join(', ')}, got ${JSON.stringify(rule.service)}`,
    );
  }
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
    throw new Error(`inject(): times must be a positive integer, got ${rule.times}`);
  }
  if (
    rule.status !== undefined &&
    (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)
  ) {
    throw new Error(`inject(): status must be an HTTP status 100-599, got ${rule.status}`);
  }
  if (rule.delayMs !== undefined && (!(rule.delayMs >= 0) || !Number.isFinite(rule.delayMs))) {
    throw new Error(`inject(): delayMs must be a finite number >= 0, got ${rule.delayMs}`);
  }
  const effects = [
    rule.status !== undefined,
    rule.hang,
    rule.closeConnection,
    rule.malformed,
    rule.delayMs !== undefined,
  ];
  if (!effects.some(Boolean)) {
    throw new Error(
      'inject(): give at least one effect: status, delayMs, hang, malformed or closeConnection',
    );
  }
  if (rule.hang && rule.closeConnection) {
    throw new Error('inject(): hang and closeConnection exclude each other');
  }
}
