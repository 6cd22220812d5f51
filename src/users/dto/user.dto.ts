import { ApiProperty } from '@nestjs/swagger';

import type { UserProfile } from 'src/users/users.repository';

export class UserDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2b7e-8a4d-4e0b-9a6f-2d5c8e1b7a90' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  displayName!: string | null;

  @ApiProperty({ type: [String], example: ['user'] })
  roles!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  createdAt!: string;

  static from(user: UserProfile): UserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
