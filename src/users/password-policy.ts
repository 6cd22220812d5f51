import { dictionary } from '@zxcvbn-ts/language-common';
import { ValidateBy, type ValidationOptions } from 'class-validator';

import { ValidationFailedError } from 'src/common/app-error';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** zxcvbn-ts's list of the most common passwords; shorter ones already fail the length rule. */
const COMMON_PASSWORDS = new Set(
  dictionary['passwords-common'].filter((password) => password.length >= PASSWORD_MIN_LENGTH),
);

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/** Characters as people count them (code points), not UTF-16 units. */
function hasPasswordLength(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && [...value].length >= min && [...value].length <= max;
}

/** Every password rule. DTOs check the length earlier too, to report it with the other fields. */
export function assertPasswordAcceptable(password: string, field = 'password'): void {
  if (!hasPasswordLength(password, PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)) {
    throw new ValidationFailedError([
      {
        field,
        message: `${field} must be between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters long`,
      },
    ]);
  }
  if (isCommonPassword(password)) {
    throw new ValidationFailedError([
      { field, message: `${field} is one of the most commonly used passwords; choose another` },
    ]);
  }
}

export function IsPasswordLength(
  min: number,
  max: number = PASSWORD_MAX_LENGTH,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPasswordLength',
      validator: {
        validate: (value: unknown) => hasPasswordLength(value, min, max),
        defaultMessage: (args) =>
          min <= 1
            ? `${args?.property} must be a string of at most ${max} characters`
            : `${args?.property} must be between ${min} and ${max} characters long`,
      },
    },
    options,
  );
}
