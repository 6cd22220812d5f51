import { ApiProperty } from '@nestjs/swagger';

import {
  IsPasswordLength,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from 'src/users/password-policy';

export class ChangePasswordDto {
  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordLength(1)
  currentPassword!: string;

  @ApiProperty({
    format: 'password',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'The same rules as at registration, and different from the current password.',
  })
  @IsPasswordLength(PASSWORD_MIN_LENGTH)
  newPassword!: string;
}
