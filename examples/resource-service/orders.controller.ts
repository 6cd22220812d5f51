import { Controller, Get, UseGuards } from '@nestjs/common';

import { AccessTokenGuard, CurrentUser, Roles, type AccessTokenUser } from 'libs/access-token';

/** A resource that only Warden users may read, and a report only administrators may. */
@Controller()
@UseGuards(AccessTokenGuard)
export class OrdersController {
  @Get('orders')
  orders(@CurrentUser() user: AccessTokenUser): { owner: string; orders: string[] } {
    return { owner: user.userId, orders: [] };
  }

  @Get('reports')
  @Roles('admin')
  reports(@CurrentUser() user: AccessTokenUser): { requestedBy: string; rows: number } {
    return { requestedBy: user.userId, rows: 0 };
  }
}
