import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';

import type { RefreshTokenTransport } from 'src/auth/refresh-token-source';
import {
  IsPasswordLength,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from 'src/users/password-policy';

const TRANSPORTS: RefreshTokenTransport[] = ['cookie', 'body'];

/** Names are shown to people, and PostgreSQL text cannot hold NUL: no control characters. */
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

class TransportDto {
  @ApiPropertyOptional({
    enum: TRANSPORTS,
    default: 'cookie',
    description:
      '`cookie`: the refresh token is set as an HttpOnly cookie and left out of the body. `body`: it is returned as `refreshToken` and no cookie is set.',
  })
  @IsOptional()
  @IsIn(TRANSPORTS)
  transport?: RefreshTokenTransport;
}

// class-validator checks a property's decorators from the bottom up and reports the first that
// fails: the basic checks (type, format) go last, so that they are the ones reported.

class EmailDto extends TransportDto {
  @ApiProperty({
    format: 'email',
    example: 'ada@example.com',
    description: 'Trimmed and lower-cased; unique.',
  })
  @Transform(trim)
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class LoginDto extends EmailDto {
  @ApiProperty({
    format: 'password',
    example: 'correct horse battery staple',
    maxLength: PASSWORD_MAX_LENGTH,
  })
  @IsPasswordLength(1)
  password!: string;
}

export class RegisterDto extends EmailDto {
  @ApiProperty({
    format: 'password',
    example: 'correct horse battery staple',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters, no composition rules; the most common passwords are refused.`,
  })
  @IsPasswordLength(PASSWORD_MIN_LENGTH)
  password!: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @MaxLength(100)
  @MinLength(1)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'displayName must not contain control characters' })
  @IsString()
  displayName?: string;
}

export class RefreshDto {
  @ApiPropertyOptional({
    description: 'The refresh token, when it is not sent in the `refresh_token` cookie.',
  })
  @IsOptional()
  @MaxLength(4096)
  @IsString()
  refreshToken?: string;
}
