import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, Max, MaxDate, Min, MinDate } from 'class-validator';

import {
  AUTH_EVENT_TYPES,
  type AuthEventEntity,
  type AuthEventType,
} from 'src/audit/auth-event.entity';

export const MAX_EVENTS_PAGE = 100;

/** Any time an event can have: from the epoch to the last moment both databases can store. */
const EARLIEST = new Date('1970-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
const OUT_OF_RANGE = { message: 'before must be a date-time between 1970 and 9999' };

export class ListEventsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_EVENTS_PAGE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_EVENTS_PAGE)
  @Min(1)
  @IsInt()
  limit = 20;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'Only events before this time: pass the `at` of the last event of the previous page.',
  })
  @IsOptional()
  @Type(() => Date)
  @MaxDate(LATEST, OUT_OF_RANGE)
  @MinDate(EARLIEST, OUT_OF_RANGE)
  @IsDate({ message: 'before must be an ISO 8601 date-time' })
  before?: Date;
}

export class AuthEventDto {
  @ApiProperty({ enum: AUTH_EVENT_TYPES, example: 'login' })
  type!: AuthEventType;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  at!: string;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 (X11; Linux x86_64)' })
  userAgent!: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  sessionId!: string | null;

  static from(event: AuthEventEntity): AuthEventDto {
    return {
      type: event.type,
      at: event.createdAt.toISOString(),
      ip: event.ip,
      userAgent: event.userAgent,
      sessionId: event.sessionId,
    };
  }
}
