import { ApiProperty } from '@nestjs/swagger';

import type { UserAccount } from 'src/users/users.repository';

export class UserDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2b7e-8a4d-4e0b-9a6f-2d5c8e1b7a90' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({
    description: 'Whether the user has proved they receive mail at `email`.',
    example: false,
  })
  emailVerified!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  displayName!: string | null;

  @ApiProperty({ type: [String], example: ['user'] })
  roles!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({
    description: 'Whether a second factor (TOTP) is required at login.',
    example: false,
  })
  mfaEnabled!: boolean;

  static from(user: UserAccount): UserDto {
    return {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      displayName: user.displayName,
      roles: user.roles,
      createdAt: user.createdAt.toISOString(),
      // Warden has no second factor yet: no account can turn one on.
      mfaEnabled: false,
    };
  }
}
