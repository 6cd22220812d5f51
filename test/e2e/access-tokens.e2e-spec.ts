import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

import { exportJWK, SignJWT, type JWTPayload } from 'jose';

import { registerUser } from 'test/support/factories';
import { claimsOf, headerOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'example-api';

function newEcKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access tokens', () => {
  const signingKey = newEcKey();
  let t: TestApp;
  let kid: string;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    t = await startTestApp({
      JWT_SIGNING_KEYS: pem(signingKey),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    user = await registerUser(t.http);
    kid = headerOf(user.accessToken).kid!;
  });

  afterAll(async () => {
    await t.close();
  });

  /** A token signed with Warden's own key, for the claims a spec wants to get wrong on purpose. */
  function forge(
    claims: JWTPayload,
    header: Record<string, unknown> = {},
    key: KeyObject = signingKey,
  ) {
    const { sub, sid, auth_time } = claimsOf(user.accessToken);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub,
      client_id: 'warden',
      sid,
      roles: ['user'],
      email_verified: false,
      auth_time,
      acr: 'aal1',
      amr: ['pwd'],
      jti: 'forged',
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header })
      .sign(key);
  }

  function me(token: string) {
    return t.http.get('/users/me').auth(token, { type: 'bearer' });
  }

  it('should carry typ at+jwt, ES256 and the kid of a published key', async () => {
    const jwks = (await t.http.get('/.well-known/jwks.json').expect(200)).body as {
      keys: Record<string, unknown>[];
    };

    expect(headerOf(user.accessToken)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid, alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const published = await exportJWK(createPublicKey(signingKey));
    expect(jwks.keys[0]).toMatchObject({ x: published.x, y: published.y });
  });

  it('should carry iss, aud, sub, client_id, sid, jti, iat, exp, roles, email_verified and the assurance', () => {
    const claims = claimsOf(user.accessToken);

    expect(claims).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: user.user!.id,
      client_id: 'warden',
      sid: claimsOf(user.refreshToken).sid,
      jti: expect.any(String) as unknown,
      iat: expect.any(Number) as unknown,
      exp: claims.iat! + 900,
      roles: ['user'],
      email_verified: false,
      auth_time: expect.any(Number) as unknown,
      acr: 'aal1',
      amr: ['pwd'],
    });
    // The password was checked just before the token was signed.
    expect(claims.iat! - (claims.auth_time as number)).toBeGreaterThanOrEqual(0);
    expect(claims.iat! - (claims.auth_time as number)).toBeLessThanOrEqual(5);
  });

  it('should keep the assurance and auth_time of the sign-in across refreshes', async () => {
    const signedIn = claimsOf(user.accessToken);
    const refreshed = (
      await t.http.post('/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200)
    ).body as { accessToken: string; refreshToken: string };
    user = { ...user, ...refreshed };

    expect(claimsOf(refreshed.accessToken)).toMatchObject({
      auth_time: signedIn.auth_time,
      acr: 'aal1',
      amr: ['pwd'],
      client_id: 'warden',
      email_verified: false,
    });
  });

  it('should carry the configured DEFAULT_CLIENT_ID', async () => {
    const other = await startTestApp({ DEFAULT_CLIENT_ID: 'acme-login' });
    try {
      const { accessToken } = await registerUser(other.http);
      expect(claimsOf(accessToken).client_id).toBe('acme-login');
    } finally {
      await other.close();
    }
  });

  it('should accept a well-formed token signed with the key', async () => {
    await me(await forge({})).expect(200);
  });

  it('should tolerate an expiry up to CLOCK_SKEW in the past', async () => {
    await me(await forge({ exp: Math.floor(Date.now() / 1000) - 10 })).expect(200);
  });

  it.each<[string, () => Promise<string>]>([
    ['an expired token', () => forge({ exp: Math.floor(Date.now() / 1000) - 120 })],
    [
      'a token not valid before a future time',
      () => forge({ nbf: Math.floor(Date.now() / 1000) + 600 }),
    ],
    ['a token for another audience', () => forge({ aud: 'someone-else' })],
    ['a token from another issuer', () => forge({ iss: 'https://evil.example' })],
    ['a token typed as a plain JWT', () => forge({}, { typ: 'JWT' })],
    ['a token without typ', () => forge({}, { typ: undefined })],
    ['a token with an unknown kid', () => forge({}, { kid: 'unknown' })],
    ['a token without a sid', () => forge({ sid: undefined })],
    ['a token whose sid is not a session id', () => forge({ sid: 'not-a-uuid' })],
    ['a token whose sub is not a user id', () => forge({ sub: 'garbage' })],
    ['a token without a client_id', () => forge({ client_id: undefined })],
    ['a token with an unknown acr', () => forge({ acr: 'aal9' })],
    ['a token whose amr is not a list', () => forge({ amr: 'pwd' })],
    ['a token without auth_time', () => forge({ auth_time: undefined })],
    ['a token whose email_verified is not a boolean', () => forge({ email_verified: 'yes' })],
    ['a token signed by another key', () => forge({}, {}, newEcKey())],
  ])('should refuse %s', async (_case, token) => {
    const response = await me(await token()).expect(401);

    expect(response.body).toMatchObject({ status: 401, code: 'invalid_access_token' });
  });

  it('should refuse alg "none"', async () => {
    const header = base64url({ alg: 'none', typ: 'at+jwt', kid });
    const payload = user.accessToken.split('.')[1];

    await me(`${header}.${payload}.`).expect(401, /invalid_access_token/);
  });

  it('should refuse HS256 signed with the public key as the HMAC secret', async () => {
    const header = base64url({ alg: 'HS256', typ: 'at+jwt', kid });
    const payload = user.accessToken.split('.')[1];
    const publicPem = createPublicKey(signingKey)
      .export({ format: 'pem', type: 'spki' })
      .toString();
    const signature = createHmac('sha256', publicPem)
      .update(`${header}.${payload}`)
      .digest('base64url');

    await me(`${header}.${payload}.${signature}`).expect(401, /invalid_access_token/);
  });

  it('should refuse a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = user.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;

    await me(`${header}.${base64url({ ...claims, roles: ['admin'] })}.${signature}`).expect(401);
  });

  it('should ignore jwk, jku and x5u headers that point at an attacker key', async () => {
    const attackerKey = newEcKey();
    const attackerJwk = await exportJWK(createPublicKey(attackerKey));

    const token = await forge(
      {},
      {
        jwk: attackerJwk,
        jku: 'https://evil.example/jwks.json',
        x5u: 'https://evil.example/cert.pem',
      },
      attackerKey,
    );

    await me(token).expect(401, /invalid_access_token/);
  });

  it('should refuse a malformed Authorization header', async () => {
    await t.http.get('/users/me').set('Authorization', `Basic ${user.accessToken}`).expect(401);
    await t.http.get('/users/me').set('Authorization', 'Bearer not.a.jwt').expect(401);
    await t.http.get('/users/me').set('Authorization', 'Bearer').expect(401);
  });
});
