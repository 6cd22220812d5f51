import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export const DISPLAY_NAME_MAX_LENGTH = 100;

/** Names are shown to people, and PostgreSQL text cannot hold NUL: no control characters. */
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/**
 * A display name: trimmed, 1–100 characters, no control characters. class-validator checks the
 * constraints in the order they are declared here and reports the first that fails: the type check
 * comes first, so it is the one reported for a value that is not text.
 */
export function IsDisplayName(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Matches(NO_CONTROL_CHARACTERS, { message: 'displayName must not contain control characters' }),
    MinLength(1),
    MaxLength(DISPLAY_NAME_MAX_LENGTH),
    Transform(trim),
  );
}

export class UpdateProfileDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Ada Lovelace',
    maxLength: DISPLAY_NAME_MAX_LENGTH,
    description: 'The name shown for the user; `null` removes it.',
  })
  @ValidateIf((_dto, value) => value !== null)
  @IsDisplayName()
  displayName!: string | null;
}
