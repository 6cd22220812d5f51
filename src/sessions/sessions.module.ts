import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { RevocationCache } from 'src/sessions/revocation-cache';
import { SessionEntity } from 'src/sessions/session.entity';
import { SessionsRepository } from 'src/sessions/sessions.repository';
import { SessionsService } from 'src/sessions/sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity])],
  providers: [SessionsService, SessionsRepository, RevocationCache],
  exports: [SessionsService],
})
export class SessionsModule {}
