import { ApiProperty } from '@nestjs/swagger';

import type { AssuranceLevel, AuthenticationMethod } from 'src/common/current-user.decorator';
import type { SessionEntity } from 'src/sessions/session.entity';

export class SessionDto {
  @ApiProperty({ format: 'uuid', example: '8a4d4e0b-9a6f-4d5c-8e1b-7a903f1c2b7e' })
  id!: string;

  @ApiProperty({ format: 'date-time', description: 'When the session was started by a login.' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The last login or refresh.' })
  lastUsedAt!: string;

  @ApiProperty({
    format: 'date-time',
    description:
      'When the session ends at the latest (SESSION_MAX_AGE after login). It ends sooner if it is not refreshed within REFRESH_TOKEN_TTL.',
  })
  expiresAt!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 (X11; Linux x86_64)' })
  userAgent!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ description: 'True for the session of the access token making this request.' })
  current!: boolean;

  @ApiProperty({
    enum: ['aal1', 'aal2'],
    example: 'aal1',
    description:
      'The assurance of the sign-in: `aal1` one factor, `aal2` two factors or a passkey.',
  })
  acr!: AssuranceLevel;

  @ApiProperty({
    type: [String],
    example: ['pwd'],
    description: 'How the user proved who they are (RFC 8176 values, e.g. `pwd`).',
  })
  amr!: AuthenticationMethod[];

  static from(session: SessionEntity, currentSessionId?: string): SessionDto {
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === currentSessionId,
      acr: session.acr,
      amr: session.amr,
    };
  }
}
