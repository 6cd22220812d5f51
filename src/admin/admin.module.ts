import { Module } from '@nestjs/common';

import { AdminController } from 'src/admin/admin.controller';
import { AuditModule } from 'src/audit/audit.module';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

@Module({
  imports: [UsersModule, SessionsModule, AuditModule],
  controllers: [AdminController],
})
export class AdminModule {}
