import { randomUUID } from 'node:crypto';

import type TestAgent from 'supertest/lib/agent';

import { refreshCookie } from 'test/support/cookies';

export const PASSWORD = 'a perfectly fine passphrase';

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.com`;
}

export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken?: string;
  refreshExpiresIn: number;
  deviceToken?: string;
  user?: {
    id: string;
    email: string;
    emailVerified: boolean;
    displayName: string | null;
    roles: string[];
    createdAt: string;
    mfaEnabled: boolean;
  };
}

/** Registers a new user with the refresh token in the body, for specs that are not about cookies. */
export async function registerUser(
  http: TestAgent,
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<TokenResponse & { refreshToken: string; email: string; password: string }> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  const response = await http
    .post('/auth/register')
    .send({ email, password, transport: 'body', ...overrides })
    .expect(201);
  return { ...(response.body as TokenResponse & { refreshToken: string }), email, password };
}

export async function login(
  http: TestAgent,
  email: string,
  password = PASSWORD,
): Promise<TokenResponse & { refreshToken: string }> {
  const response = await http
    .post('/auth/login')
    .send({ email, password, transport: 'body' })
    .expect(200);
  return response.body as TokenResponse & { refreshToken: string };
}

export function refreshWithBody(http: TestAgent, refreshToken: string) {
  return http.post('/auth/refresh').send({ refreshToken });
}

/** Logs in with the default cookie transport and returns the refresh cookie's value. */
export async function cookieLogin(
  http: TestAgent,
  email: string,
  password = PASSWORD,
): Promise<{ cookie: string; body: TokenResponse }> {
  const response = await http.post('/auth/login').send({ email, password }).expect(200);
  return { cookie: refreshCookie(response.headers)!.value, body: response.body as TokenResponse };
}
