import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { ScalingConfig } from '../config/scaling.config';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { ScalingStatusView } from '../scaling/scaling-status';
import { ScalingService } from '../scaling/scaling.service';
import { CapacityBounds } from '../scaling/schedule/capacity-bounds';

export interface ActionResult {
  readonly action: string;
  /** False when the action changed nothing (already paused, already at that count). */
  readonly changed: boolean;
  readonly message: string;
  readonly scaling: ScalingStatusView;
}

/** Manual actions on the admin listener, checked against the current state; the scaler does the work. */
@Injectable()
export class ScalingActionsService {
  constructor(
    private readonly config: ScalingConfig,
    private readonly pool: InstancePool,
    private readonly scaling: ScalingService,
    private readonly bounds: CapacityBounds,
  ) {}

  scaleTo(instances: number, reason: string | undefined): ActionResult {
    // The range in force: scaling.minInstances/maxInstances, or what scaling.schedule set now.
    const { minInstances, maxInstances } = this.bounds;
    if (instances < minInstances || instances > maxInstances) {
      throw new BadRequestException(
        `instances = ${instances}: must be from scaling.minInstances (${minInstances}) to scaling.maxInstances (${maxInstances})`,
      );
    }
    const previous = this.requireRecovered();
    this.scaling.setDesired(instances, {
      source: 'manual',
      reason: reason ? `admin: ${reason}` : 'admin: POST /scaling/desired',
    });
    const changed = previous !== instances;
    return this.result(
      'scale',
      changed,
      changed ? `desired instances ${previous} -> ${instances}` : `already ${instances}`,
    );
  }

  removeInstance(idOrName: string, replace: boolean, reason: string | undefined): ActionResult {
    const previous = this.requireRecovered();
    const instance = this.find(idOrName);
    if (instance.phase !== 'admitted') {
      throw new ConflictException(
        `${instance.name} is ${instance.phase}: only admitted instances can be removed`,
      );
    }
    if (instance.role === 'original' && this.config.scaleIn.protectOriginal) {
      throw new ConflictException(
        `${instance.name} is the original and scaling.scaleIn.protectOriginal is true: it is not removed`,
      );
    }
    if (!replace && previous - 1 < this.bounds.minInstances) {
      throw new ConflictException(
        `removing ${instance.name} would leave ${previous - 1} instance(s), below scaling.minInstances (${this.bounds.minInstances}); use "replace": true to swap it for a new one`,
      );
    }
    const why = `admin: ${reason ?? `POST /instances/${idOrName}/remove`}${replace ? ' (replaced)' : ''}`;
    void this.scaling.removeInstance(instance, replace, why);
    return this.result(
      'remove',
      true,
      `${instance.name} (${instance.id}) is draining, then deleted${replace ? '; a replacement is started' : `; desired instances now ${this.scaling.desiredCount}`}`,
    );
  }

  pause(reason: string | undefined): ActionResult {
    const changed = this.scaling.pause(reason ? `admin: ${reason}` : 'admin: POST /scaling/pause');
    return this.result(
      'pause',
      changed,
      changed ? 'autoscaling paused' : 'autoscaling was already paused',
    );
  }

  resume(reason: string | undefined): ActionResult {
    const changed = this.scaling.resume(
      reason ? `admin: ${reason}` : 'admin: POST /scaling/resume',
    );
    return this.result(
      'resume',
      changed,
      changed ? 'autoscaling resumed' : 'autoscaling was not paused',
    );
  }

  private requireRecovered(): number {
    const desired = this.scaling.desiredCount;
    if (desired === undefined)
      throw new ConflictException(
        'the controller is still listing its group after start-up; try again in a moment',
      );
    return desired;
  }

  private find(idOrName: string): PoolInstance {
    const instance =
      this.pool.get(idOrName) ?? this.pool.list().find((candidate) => candidate.name === idOrName);
    if (!instance) {
      const known = this.pool.list().map((candidate) => `${candidate.name} (${candidate.id})`);
      throw new NotFoundException(
        `no instance with id or name "${idOrName}"; known: ${known.join(', ') || 'none'}`,
      );
    }
    return instance;
  }

  private result(action: string, changed: boolean, message: string): ActionResult {
    return { action, changed, message, scaling: this.scaling.statusView() };
  }
}
