import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { LEADERSHIP, SingleController } from '../seams/leadership';
import { LeaderElection } from './leader-election.service';

/** `LEADERSHIP` for everyone: the lease election with `leadership.enabled`, else the single controller. */
@Global()
@Module({})
export class LeadershipModule {
  static forRoot(enabled: boolean): DynamicModule {
    const providers: Provider[] = enabled ? [LeaderElection, { provide: LEADERSHIP, useExisting: LeaderElection }] : [{ provide: LEADERSHIP, useClass: SingleController }];
    return { module: LeadershipModule, providers, exports: [LEADERSHIP] };
  }
}
