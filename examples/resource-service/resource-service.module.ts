import { Module, type DynamicModule } from '@nestjs/common';

import { AccessTokenModule, type AccessTokenModuleOptions } from 'libs/access-token';

import { OrdersController } from './orders.controller';

@Module({})
export class ResourceServiceModule {
  static forRoot(warden: AccessTokenModuleOptions): DynamicModule {
    return {
      module: ResourceServiceModule,
      imports: [AccessTokenModule.forRoot(warden)],
      controllers: [OrdersController],
    };
  }
}
