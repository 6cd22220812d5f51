import type { ClientInfo } from 'src/common/client-info.decorator';
import type { AssuranceLevel, AuthenticationMethod } from 'src/common/current-user.decorator';
import type { UserAccount } from 'src/users/users.repository';

/**
 * What a sign-in method established: which account, and how (RFC 8176 `amr`, the assurance level
 * `acr`) and when (`authTime`) its user proved who they are. Every method produces one and hands
 * it to `SessionIssuer`, which turns it into a session and tokens; a method that cannot establish
 * one throws the error its client should see.
 */
export interface AuthenticationResult {
  status: 'authenticated';
  user: UserAccount;
  amr: AuthenticationMethod[];
  acr: AssuranceLevel;
  authTime: Date;
}

/** Where a sign-in came from. */
export interface SignInContext {
  client: ClientInfo;
  /** The verified device token the attempt came with: a success clears its own count too. */
  deviceId?: string;
}
