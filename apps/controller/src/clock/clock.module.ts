import { Global, Module } from '@nestjs/common';
import { CLOCK, SystemClock } from './clock';

/** The one clock every module injects (`@Inject(CLOCK)`). */
@Global()
@Module({ providers: [{ provide: CLOCK, useClass: SystemClock }], exports: [CLOCK] })
export class ClockModule {}
