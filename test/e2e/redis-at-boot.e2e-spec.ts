import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';

import { RedisConnection } from 'src/redis/redis-connection';
import { REVOCATIONS_CHANNEL } from 'src/sessions/revocation-cache';

import { registerUser } from 'test/support/factories';
import { sessionIdOf } from 'test/support/jwt';
import { describeWithServices, services } from 'test/support/services';
import { TcpProxy } from 'test/support/tcp-proxy';
import { startTestApp, type TestApp } from 'test/support/test-app';
import { within } from 'test/support/within';

async function redisStatus(app: TestApp): Promise<string | undefined> {
  const ready = await app.http.get('/health/ready').expect(200);
  return (ready.body as { details: { redis?: { status: string } } }).details.redis?.status;
}

describeWithServices('an instance that boots while Redis is unreachable', () => {
  const keyPrefix = `deployment-${randomUUID()}:`;
  let redisProxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    redisProxy = await TcpProxy.start(services.redisUrl!);
    await redisProxy.cut();
    t = await startTestApp({
      REDIS_URL: redisProxy.urlFor(services.redisUrl!),
      REDIS_KEY_PREFIX: keyPrefix,
    });
  });

  afterAll(async () => {
    await t?.close();
    await redisProxy?.cut();
  });

  it('should serve, and report Redis down in readiness', async () => {
    const user = await registerUser(t.http);

    await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    await expect(redisStatus(t)).resolves.toBe('down');
    expect(t.app.get(RedisConnection).receiving).toBe(false);
  });

  it('should connect once Redis is reachable: subscribed, and publishing its revocations', async () => {
    const listener = new Redis(services.redisUrl!);
    const published: string[] = [];
    listener.on('message', (_channel: string, message: string) => published.push(message));
    await listener.subscribe(keyPrefix + REVOCATIONS_CHANNEL);

    try {
      await redisProxy.resume();
      expect(
        await within(
          10_000,
          async () => (await redisStatus(t)) === 'up' && t.app.get(RedisConnection).receiving,
        ),
      ).toBe(true);
      const user = await registerUser(t.http);
      await t.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

      expect(await within(1_000, () => Promise.resolve(published.length > 0))).toBe(true);
      expect(published.map((message) => (JSON.parse(message) as { ids: string[] }).ids)).toEqual([
        [sessionIdOf(user)],
      ]);
    } finally {
      await listener.quit();
    }
  });
});
