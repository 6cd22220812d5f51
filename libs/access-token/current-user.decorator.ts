import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { AccessTokenUser } from './access-token.verifier';

/**
 * The caller that `AccessTokenGuard` verified.
 * @example `orders(@CurrentUser() user: AccessTokenUser)`
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AccessTokenUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AccessTokenUser }>().user,
);
