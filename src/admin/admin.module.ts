import { Module } from '@nestjs/common';

import { AccountModule } from 'src/account/account.module';
import { AdminController } from 'src/admin/admin.controller';
import { UserAdministration } from 'src/admin/user-administration.service';
import { AuditModule } from 'src/audit/audit.module';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

/** User administration, for administrators (the `admin` role) and the CLI. */
@Module({
  imports: [AccountModule, UsersModule, SessionsModule, AuditModule],
  controllers: [AdminController],
  providers: [UserAdministration],
  exports: [UserAdministration],
})
export class AdminModule {}
