import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Leadership, LEADERSHIP } from '../seams/leadership';
import { MetricsRegistry } from './metrics-registry';

/** `osa_leader`: 1 while this controller may act (always 1 with leadership.enabled=false), else 0. */
@Injectable()
export class LeadershipMetrics {
  constructor(metrics: MetricsRegistry, @Inject(LEADERSHIP) leadership: Leadership) {
    new Gauge({
      name: 'osa_leader',
      help: '1 while this controller holds the lease and acts (scales, heals, creates, deletes); 0 on a standby. Labelled role (single, leader, standby) and holder (this controller id)',
      labelNames: ['role', 'holder'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        const view = leadership.view();
        this.set({ role: view.role, holder: view.holderId }, leadership.isLeader() ? 1 : 0);
      },
    });
  }
}
