import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';

import type { RefreshTokenTransport } from 'src/auth/token-transport';
import { DISPLAY_NAME_MAX_LENGTH, IsDisplayName } from 'src/users/dto/profile.dto';
import { EMAIL_MAX_LENGTH, emailProblem } from 'src/users/email';
import {
  IsPasswordLength,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from 'src/users/password-policy';

const TRANSPORTS: RefreshTokenTransport[] = ['cookie', 'body'];

export const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** An address that `canonicalEmail` can store: see `emailProblem`. */
export const IsAccountEmail = (): PropertyDecorator =>
  ValidateBy({
    name: 'isAccountEmail',
    validator: {
      validate: (value: unknown) => emailProblem(value) === undefined,
      defaultMessage: (args) => emailProblem(args?.value, args?.property) ?? '',
    },
  });

class TransportDto {
  @ApiPropertyOptional({
    enum: TRANSPORTS,
    default: 'cookie',
    description:
      '`cookie`: the refresh token (and the device token) are set as HttpOnly cookies and left out of the body. `body`: they are returned as `refreshToken` (and `deviceToken`) and no cookie is set.',
  })
  @IsOptional()
  @IsIn(TRANSPORTS)
  transport?: RefreshTokenTransport;
}

class EmailDto extends TransportDto {
  @ApiProperty({
    format: 'email',
    example: 'ada@example.com',
    maxLength: EMAIL_MAX_LENGTH,
    description:
      'Trimmed, fullwidth forms mapped to ASCII, NFC-normalised and lower-cased; unique. Control, zero-width and bidirectional characters are refused.',
  })
  @Transform(trim)
  @IsAccountEmail()
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

  @ApiPropertyOptional({
    description:
      'With `transport: "body"`: the `deviceToken` of an earlier sign-in on this device, so that the account’s backoff does not hold this attempt (in the cookie transport it is the `device` cookie).',
  })
  @IsOptional()
  @MaxLength(1024)
  @IsString()
  deviceToken?: string;
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

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: DISPLAY_NAME_MAX_LENGTH })
  @IsOptional()
  @IsDisplayName()
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
