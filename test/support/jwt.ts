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
