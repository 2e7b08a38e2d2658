import { Controller, Get, Module } from '@nestjs/common';

@Controller()
class RootController {
  @Get()
  root(): string {
    return 'openstack-autoscaler controller\n';
  }
}

@Module({ controllers: [RootController] })
export class AppModule {}
