import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

import { UsersService } from 'src/users/users.service';

import { ResourceServiceModule } from 'examples/resource-service/resource-service.module';
import { login, registerUser, uniqueEmail } from 'test/support/factories';
import { claimsOf, headerOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'orders-api';

function newEcKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** Warden and examples/resource-service side by side, the service verifying by Warden's JWKS. */
describe('a resource service using libs/access-token', () => {
  const wardenKey = newEcKey();
  let warden: TestApp;
  let service: NestFastifyApplication;
  let orders: TestAgent;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    warden = await startTestApp({
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_SIGNING_KEYS: wardenKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    service = await NestFactory.create<NestFastifyApplication>(
      ResourceServiceModule.forRoot({
        jwksUrl: `${warden.url}/.well-known/jwks.json`,
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
      new FastifyAdapter(),
      { logger: false },
    );
    await service.listen({ port: 0, host: '127.0.0.1' });
    orders = request(`http://127.0.0.1:${(service.getHttpServer().address() as AddressInfo).port}`);
    user = await registerUser(warden.http);
  });

  afterAll(async () => {
    await service?.close();
    await warden?.close();
  });

  /** A token signed with `key` (Warden's own by default), with `claims` changed. */
  function token(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key = wardenKey,
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claimsOf(user.accessToken), iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ ...headerOf(user.accessToken), alg: 'ES256', ...header })
      .sign(key);
  }

  it('should accept an access token issued by Warden, and know who the caller is', async () => {
    const response = await orders
      .get('/orders')
      .auth(user.accessToken, { type: 'bearer' })
      .expect(200);

    expect(response.body).toEqual({ owner: user.user!.id, orders: [] });
  });

  it.each<[string, () => Promise<string> | string]>([
    ['no token at all', () => ''],
    ['a token signed by another key', () => token({}, {}, newEcKey())],
    ['an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 600 })],
    ['a token for another audience', () => token({ aud: 'billing-api' })],
    ['a token from another issuer', () => token({ iss: 'https://evil.example' })],
    ['a token typed as a plain JWT', () => token({}, { typ: 'JWT' })],
    ['a refresh token', () => user.refreshToken],
    [
      'an unsigned token',
      () =>
        `${user.accessToken
          .split('.')
          .slice(0, 2)
          .join('.')
          .replace(/^[^.]+/, Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url'))}.`,
    ],
  ])('should refuse %s with 401', async (_case, make) => {
    const value = await make();
    const call = orders.get('/orders');

    await (value ? call.auth(value, { type: 'bearer' }) : call).expect(401);
  });

  it('should let only administrators through @Roles("admin")', async () => {
    const email = uniqueEmail('admin');
    await warden.app
      .get(UsersService)
      .createAdmin(email, () => Promise.resolve('an admin passphrase'));
    const admin = await login(warden.http, email, 'an admin passphrase');

    await orders.get('/reports').auth(user.accessToken, { type: 'bearer' }).expect(403);
    await orders.get('/reports').auth(admin.accessToken, { type: 'bearer' }).expect(200);
  });
});
