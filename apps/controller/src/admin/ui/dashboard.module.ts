import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The live dashboard at /ui on the admin listener (static files; all data comes from /v1). */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
