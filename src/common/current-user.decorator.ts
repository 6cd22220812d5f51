import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who made the request, as the access-token guard established it. */
export interface AuthenticatedUser {
  userId: string;
  sessionId: string;
  roles: string[];
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
