import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow } from 'class-validator';

import { IsAccountEmail, trim } from 'src/auth/dto/credentials.dto';
import { EMAIL_MAX_LENGTH } from 'src/users/email';
import {
  IsPasswordLength,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from 'src/users/password-policy';

const TOKEN_DESCRIPTION =
  'The `token` query parameter of the mailed link. Anything that is not a valid, unused, unexpired token of this purpose is answered 400 `invalid_link_token`, whatever it is.';

/** The token is checked by the service, so that every bad one gets the same answer. */
export class LinkTokenDto {
  @ApiProperty({
    description: TOKEN_DESCRIPTION,
    example: 'q3Jb0dY9ZyJx0h2Ck5m7m6cV1mI1ZbqVQ0d7P8l2k3A',
  })
  @Allow()
  token!: unknown;
}

export class ResetPasswordDto extends LinkTokenDto {
  @ApiProperty({
    format: 'password',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'The same rules as at registration.',
  })
  @IsPasswordLength(PASSWORD_MIN_LENGTH)
  newPassword!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: EMAIL_MAX_LENGTH })
  @Transform(trim)
  @IsAccountEmail()
  email!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ format: 'email', example: 'ada@new.example.com', maxLength: EMAIL_MAX_LENGTH })
  @Transform(trim)
  @IsAccountEmail()
  newEmail!: string;

  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordLength(1)
  currentPassword!: string;
}

export class DeleteAccountDto {
  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordLength(1)
  currentPassword!: string;
}

export class VerifiedEmailDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ enum: [true], example: true })
  emailVerified!: true;
}

/** The body of every 202 of the account flows: the same whatever happened. */
export class AcceptedDto {
  @ApiProperty({ example: 'If this address can receive it, a mail is on its way.' })
  message!: string;
}
