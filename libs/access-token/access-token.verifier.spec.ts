import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';

import { AccessTokenVerifier, InvalidAccessTokenError } from './access-token.verifier';

describe(AccessTokenVerifier.name, () => {
  const [first, second] = [1, 2].map(() => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  let published: JWK[] = [];
  let fetches = 0;
  let server: Server;
  let verifier: AccessTokenVerifier;

  async function jwk(key: KeyObject): Promise<JWK> {
    const publicJwk = await exportJWK(key);
    return { ...publicJwk, kid: await calculateJwkThumbprint(publicJwk), alg: 'ES256', use: 'sig' };
  }

  async function tokenSignedBy(pair: { privateKey: KeyObject; publicKey: KeyObject }) {
    return new SignJWT({ sid: 'session-1', roles: ['user'] })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: (await jwk(pair.publicKey)).kid })
      .setSubject('user-1')
      .setIssuer('warden')
      .setAudience('api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(pair.privateKey);
  }

  beforeAll(async () => {
    published = [await jwk(first.publicKey)];
    server = createServer((_request, response) => {
      fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    verifier = new AccessTokenVerifier({
      jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
      issuer: 'warden',
      audience: 'api',
      jwksRefetchCooldownMs: 0,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('should verify a token and describe the caller, fetching the keys once', async () => {
    const token = await tokenSignedBy(first);

    await expect(verifier.verify(token)).resolves.toMatchObject({
      userId: 'user-1',
      sessionId: 'session-1',
      roles: ['user'],
    });
    await verifier.verify(token);
    expect(fetches).toBe(1);
  });

  it('should fetch the keys again for a kid it does not know, so a new Warden key works', async () => {
    const token = await tokenSignedBy(second);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidAccessTokenError);

    published = [await jwk(first.publicKey), await jwk(second.publicKey)];

    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'user-1' });
  });
});
