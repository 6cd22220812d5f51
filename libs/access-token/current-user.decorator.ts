import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * The caller that the access-token guard verified (`request.user`): an `AccessTokenUser` here,
 * Warden's `AuthenticatedUser` inside Warden.
 * @example `orders(@CurrentUser() user: AccessTokenUser)`
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<{ user?: unknown }>().user,
);
