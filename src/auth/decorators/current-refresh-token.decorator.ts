import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';

/** The refresh token verified by `JwtRefreshGuard`. */
export const CurrentRefreshToken = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RefreshTokenClaims =>
    context.switchToHttp().getRequest<{ user: RefreshTokenClaims }>().user,
);
