import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type FindOptionsWhere, type Repository } from 'typeorm';

import { AuthEventEntity, type AuthEventType } from 'src/audit/auth-event.entity';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import { Sql, type SqlExecutor, type Statement } from 'src/database/sql';

export interface AuthEventContext extends ClientInfo {
  userId?: string | null;
  sessionId?: string | null;
}

/**
 * What listeners of `auth.<type>` receive (`@OnEvent('auth.login')`, or `@OnEvent('auth.*')` for
 * all), once the event is stored.
 */
export interface AuthEvent {
  type: AuthEventType;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  at: Date;
}

export const AUTH_EVENT_PREFIX = 'auth.';

/** On the path of every login: one prepared statement. */
const INSERT_EVENT: Statement = {
  name: 'auth_events_insert',
  text: `INSERT INTO auth_events (type, user_id, session_id, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
};

const DELETE_OF_USER: Statement = {
  text: `DELETE FROM auth_events WHERE user_id = $1`,
};

const DELETE_BEFORE: Statement = {
  text: `DELETE FROM auth_events WHERE id IN (
           SELECT id FROM auth_events WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
};

/** Security events: a row each in `auth_events`, and a NestJS event for listeners. */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuthEventEntity) private readonly events: Repository<AuthEventEntity>,
    private readonly sql: Sql,
    private readonly emitter: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  async record(type: AuthEventType, context: AuthEventContext): Promise<void> {
    const event: AuthEvent = {
      type,
      userId: context.userId ?? null,
      sessionId: context.sessionId ?? null,
      ip: context.ip,
      userAgent: context.userAgent,
      at: this.clock.now(),
    };
    await this.sql.rows(INSERT_EVENT, [
      event.type,
      event.userId,
      event.sessionId,
      event.ip,
      event.userAgent,
      event.at,
    ]);
    // Listeners run on their own: a failing or slow one never holds up or breaks authentication.
    this.emitter.emit(`${AUTH_EVENT_PREFIX}${type}`, event);
  }

  /** Deletes every event of a user whose account is being deleted. */
  async forgetUser(userId: string, db: SqlExecutor = this.sql): Promise<void> {
    await db.rowCount(DELETE_OF_USER, [userId]);
  }

  /** Deletes up to `limit` of the oldest events from before `cutoff`; returns how many. */
  deleteBefore(cutoff: Date, limit: number): Promise<number> {
    return this.sql.rowCount(DELETE_BEFORE, [cutoff, limit]);
  }

  /** The user's events, newest first, `limit` of them from before `before` (exclusive). */
  listForUser(
    userId: string,
    { limit, before }: { limit: number; before?: Date },
  ): Promise<AuthEventEntity[]> {
    const where: FindOptionsWhere<AuthEventEntity> = { userId };
    if (before) {
      where.createdAt = LessThan(before);
    }
    return this.events.find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }
}
