import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import type { AdministeredUser, AdministeredUserPage } from 'src/admin/user-administration.service';
import { EMAIL_MAX_LENGTH } from 'src/users/email';

export const MAX_USERS_PAGE = 100;
export const DEFAULT_USERS_PAGE = 20;
export const MAX_ROLES = 20;
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
/** Long enough for the base64url of any stored email (254 characters of up to 4 bytes each). */
export const CURSOR_MAX_LENGTH = 1_400;

/** PostgreSQL text cannot hold NUL; no address holds any control character. */
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

/** Only plain decimal digits become a number: `1.5`, `1e1`, `0x10` or `` stay text and fail. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : value;

/**
 * class-validator checks a property's constraints from the bottom decorator up and reports the first
 * that fails: the type checks sit at the bottom.
 */
export class ListUsersQuery {
  @ApiPropertyOptional({
    maxLength: EMAIL_MAX_LENGTH,
    example: 'ada',
    description:
      'Only accounts whose email starts with this text, taken literally (`%` and `_` are not wildcards), compared in the canonical spelling (lower case).',
  })
  @IsOptional()
  @MaxLength(EMAIL_MAX_LENGTH)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'email must not contain control characters' })
  @IsString()
  email?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_USERS_PAGE,
    default: DEFAULT_USERS_PAGE,
  })
  @IsOptional()
  @Max(MAX_USERS_PAGE)
  @Min(1)
  @IsInt()
  @Transform(toInteger)
  limit: number = DEFAULT_USERS_PAGE;

  @ApiPropertyOptional({
    maxLength: CURSOR_MAX_LENGTH,
    description:
      'The `nextCursor` of the previous page, as it was returned (with the same `email`); anything else is 400.',
  })
  @IsOptional()
  @MaxLength(CURSOR_MAX_LENGTH)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be the nextCursor of a previous page' })
  @IsString()
  cursor?: string;
}

export class SetRolesDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_ROLES,
    uniqueItems: true,
    example: ['admin'],
    description:
      'The roles the user has from now on, each a lower-case name (`[a-z][a-z0-9_-]{0,31}`). `user` is always kept, listed or not. Access tokens carry the new roles from the next refresh.',
  })
  @ArrayUnique({ message: 'roles must not contain a role twice' })
  @Matches(ROLE_PATTERN, {
    each: true,
    message:
      'each role must be a lower-case letter followed by up to 31 lower-case letters, digits, _ or -',
  })
  @IsString({ each: true })
  @ArrayMaxSize(MAX_ROLES)
  @IsArray()
  roles!: string[];
}

/** A user as administrators see it: the profile, its status and how many sessions it has. */
export class AdminUserDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2b7e-8a4d-4e0b-9a6f-2d5c8e1b7a90' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({
    description: 'Whether the user has proved they receive mail at `email`.',
    example: true,
  })
  emailVerified!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  displayName!: string | null;

  @ApiProperty({ type: [String], example: ['user', 'admin'] })
  roles!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'When an administrator disabled the account; `null` while it is enabled.',
  })
  disabledAt!: string | null;

  @ApiProperty({
    description: 'Whether a second factor (TOTP) is required at login.',
    example: false,
  })
  mfaEnabled!: boolean;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 2,
    description: 'How many sessions of the user can still be refreshed.',
  })
  activeSessions!: number;

  static from({ account, activeSessions }: AdministeredUser): AdminUserDto {
    return {
      id: account.id,
      email: account.email,
      emailVerified: account.emailVerified,
      displayName: account.displayName,
      roles: account.roles,
      createdAt: account.createdAt.toISOString(),
      disabledAt: account.disabledAt?.toISOString() ?? null,
      // Warden has no second factor yet: no account can turn one on.
      mfaEnabled: false,
      activeSessions,
    };
  }
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto], description: 'In email order.' })
  items!: AdminUserDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'YWRhQGV4YW1wbGUuY29t',
    description:
      'Pass it as `cursor` (with the same `email`) for the next page; `null` on the last page.',
  })
  nextCursor!: string | null;

  static from({ items, nextCursor }: AdministeredUserPage): AdminUserPageDto {
    return { items: items.map((item) => AdminUserDto.from(item)), nextCursor };
  }
}
