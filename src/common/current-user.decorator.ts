export { CurrentUser } from 'libs/access-token';

/** Authentication methods (RFC 8176) as Warden records them in `amr`. */
export type AuthenticationMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa' | 'rc';

/** Authenticator assurance: `aal1` one factor, `aal2` two factors or a passkey with verification. */
export type AssuranceLevel = 'aal1' | 'aal2';

/**
 * Who made the request, as the access-token guard established it from the token's claims, for
 * `@CurrentUser()`.
 */
export interface AuthenticatedUser {
  userId: string;
  sessionId: string;
  clientId: string;
  roles: string[];
  emailVerified: boolean;
  acr: AssuranceLevel;
  amr: AuthenticationMethod[];
  /** Seconds since the epoch: when the session last proved who the user is. */
  authTime: number;
}
