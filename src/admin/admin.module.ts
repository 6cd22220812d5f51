import { Module } from '@nestjs/common';

import { AdminController } from 'src/admin/admin.controller';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

@Module({
  imports: [UsersModule, SessionsModule],
  controllers: [AdminController],
})
export class AdminModule {}
