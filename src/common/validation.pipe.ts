import { ValidationPipe, type ValidationError } from '@nestjs/common';

import { ValidationFailedError, type FieldError } from 'src/common/app-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field: field || 'body',
      message: field ? message : 'The request body must be a JSON object.',
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** DTOs only: unknown properties are refused, and every failure is a `validation_failed` problem. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}
