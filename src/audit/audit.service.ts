import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import type { ClientInfo } from 'src/common/client-info.decorator';

import { AuthEventEntity, type AuthEventType } from 'src/audit/auth-event.entity';

export interface AuthEventContext extends ClientInfo {
  userId?: string | null;
  sessionId?: string | null;
}

/** The security events of DESIGN.md section 5, one row each in `auth_events`. */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuthEventEntity) private readonly events: Repository<AuthEventEntity>,
  ) {}

  async record(type: AuthEventType, context: AuthEventContext): Promise<void> {
    await this.events.insert({
      type,
      userId: context.userId ?? null,
      sessionId: context.sessionId ?? null,
      ip: context.ip,
      userAgent: context.userAgent,
    });
  }
}
