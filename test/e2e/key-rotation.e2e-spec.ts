import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { login, registerUser } from 'test/support/factories';
import { headerOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * The rotation procedure of the README: add the next key, promote it, retire the old one once
 * the tokens it signed have expired. Each step is a restart with new JWT_SIGNING_KEYS.
 */
describe('signing-key rotation', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-rotation-'));
  const secret = randomBytes(48).toString('base64url');
  const [current, next] = [1, 2].map(
    () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  );
  let t: TestApp | undefined;

  async function restartWith(...keys: KeyObject[]): Promise<TestApp> {
    await t?.close();
    t = await startTestApp({
      DATA_DIR: dataDir,
      REFRESH_TOKEN_SECRET: secret,
      JWT_SIGNING_KEYS: keys.map(pem).join(''),
    });
    return t;
  }

  async function publishedKids(app: TestApp): Promise<string[]> {
    const { body } = await app.http.get('/.well-known/jwks.json').expect(200);
    return (body as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  }

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should keep tokens of the previous key valid until that key is retired', async () => {
    let app = await restartWith(current);
    const user = await registerUser(app.http);
    const oldKid = headerOf(user.accessToken).kid!;

    // 1. Add the next key: still signed with the current one, but both are published.
    app = await restartWith(current, next);
    const [, nextKid] = await publishedKids(app);
    expect(await publishedKids(app)).toEqual([oldKid, nextKid]);
    expect(headerOf((await login(app.http, user.email)).accessToken).kid).toBe(oldKid);

    // 2. Promote it: new tokens carry its kid; the old key's tokens still verify.
    app = await restartWith(next, current);
    const fresh = await login(app.http, user.email);
    expect(headerOf(fresh.accessToken).kid).toBe(nextKid);
    await app.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    await app.http.get('/users/me').auth(fresh.accessToken, { type: 'bearer' }).expect(200);

    // 3. Retire the old key after ACCESS_TOKEN_TTL: its tokens are refused, sessions live on.
    app = await restartWith(next);
    expect(await publishedKids(app)).toEqual([nextKid]);
    await app.http
      .get('/users/me')
      .auth(user.accessToken, { type: 'bearer' })
      .expect(401, /invalid_access_token/);
    await app.http.get('/users/me').auth(fresh.accessToken, { type: 'bearer' }).expect(200);
    const refreshed = await app.http
      .post('/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    expect(headerOf((refreshed.body as { accessToken: string }).accessToken).kid).toBe(nextKid);
  });
});
