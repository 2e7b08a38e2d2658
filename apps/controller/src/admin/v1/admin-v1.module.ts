import { Module } from '@nestjs/common';
import { DataPathModule } from '../../data-path/data-path.module';
import { PoolModule } from '../../pool/pool.module';
import { ProvidersModule } from '../../providers/providers.module';
import { RefreshModule } from '../../refresh/refresh.module';
import { ScalingModule } from '../../scaling/scaling.module';
import { AdminModule } from '../admin.module';
import { EventsV1Controller } from './events-v1.controller';
import { InstanceImageTracker } from './instance-image-tracker';
import { InstancesV1Controller } from './instances-v1.controller';
import { LeadershipV1Controller } from './leadership-v1.controller';
import { LoadSampler } from './load-sampler';
import { OpenApiDocumentHolder } from './openapi-document.holder';
import { OpenApiV1Controller } from './openapi-v1.controller';
import { OperatorEventFeed } from './operator-event-feed';
import { OperatorView } from './operator-view';
import { RefreshV1Controller } from './refresh-v1.controller';
import { ScalingV1Controller } from './scaling-v1.controller';
import { StatusV1Controller } from './status-v1.controller';
import { StreamFanOut } from './stream-fan-out';
import { StreamV1Controller } from './stream-v1.controller';

/**
 * The versioned admin API (/v1/...) that the dashboard, the `osa` CLI and scripts use. Its
 * controllers only validate and delegate to OperatorView, the adapter over the admin services.
 * The auth guard (APP_GUARD in AdminModule) covers these routes like every other admin route.
 */
@Module({
  imports: [AdminModule, PoolModule, ProvidersModule, ScalingModule, RefreshModule, DataPathModule],
  controllers: [
    StatusV1Controller,
    InstancesV1Controller,
    EventsV1Controller,
    ScalingV1Controller,
    StreamV1Controller,
    OpenApiV1Controller,
    RefreshV1Controller,
    LeadershipV1Controller,
  ],
  providers: [
    OperatorView,
    OperatorEventFeed,
    LoadSampler,
    StreamFanOut,
    InstanceImageTracker,
    OpenApiDocumentHolder,
  ],
  exports: [OperatorView],
})
export class AdminV1Module {}
