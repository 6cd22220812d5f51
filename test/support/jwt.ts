import {
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';

export function claimsOf(token: string): JWTPayload & Record<string, unknown> {
  return decodeJwt(token);
}

export function headerOf(token: string): ProtectedHeaderParameters {
  return decodeProtectedHeader(token);
}

export function jtiOf(token: string): string {
  const { jti } = decodeJwt(token);
  if (typeof jti !== 'string') {
    throw new Error('token has no jti');
  }
  return jti;
}

/** The session id (`sid`) of a token response's access token. */
export function sessionIdOf({ accessToken }: { accessToken: string }): string {
  const { sid } = decodeJwt(accessToken);
  if (typeof sid !== 'string') {
    throw new Error('token has no sid');
  }
  return sid;
}
