import { randomUUID } from 'node:crypto';

import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { TooManyRequestsError } from 'src/common/app-error';

import { setClockAhead } from 'test/support/clock';
import { startTestApp, type TestApp } from 'test/support/test-app';

/** Against the real database (PostgreSQL with DATABASE_URL, the embedded one otherwise). */
describe(LoginBackoff.name, () => {
  let t: TestApp;
  let sut: LoginBackoff;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_BACKOFF_AFTER: '4', LOGIN_BACKOFF_MAX: '30s' });
    sut = t.app.get(LoginBackoff);
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  const account = () => ({ account: `${randomUUID()}@example.com` });

  async function outcomes(attempts: Promise<void>[]): Promise<{ counted: number; held: number }> {
    const results = await Promise.allSettled(attempts);
    const held = results.filter(
      (result) => result.status === 'rejected' && result.reason instanceof TooManyRequestsError,
    ).length;
    return { counted: results.filter((result) => result.status === 'fulfilled').length, held };
  }

  describe('reserve', () => {
    it('should count exactly LOGIN_BACKOFF_AFTER of 50 concurrent attempts, and hold the rest', async () => {
      const key = account();

      const { counted, held } = await outcomes(Array.from({ length: 50 }, () => sut.reserve(key)));

      expect({ counted, held }).toEqual({ counted: 4, held: 46 });
    });

    it('should make each attempt after the wait wait twice as long, up to the maximum', async () => {
      const key = account();
      for (let i = 0; i < 4; i++) {
        await sut.reserve(key);
      }
      const waits: string[] = [];
      for (let [offset, attempt] = [0, 0]; attempt < 7; attempt++) {
        const error = (await sut.reserve(key).catch((caught: unknown) => caught)) as
          TooManyRequestsError | undefined;
        const wait = Number(error?.headers['Retry-After']);
        waits.push(String(wait));
        offset += wait;
        setClockAhead(t.app, offset);
        await sut.reserve(key);
      }

      expect(waits).toEqual(['1', '2', '4', '8', '16', '30', '30']);
    });

    it('should count an account and a device token apart', async () => {
      const key = account();
      const device = { device: randomUUID() };
      for (let i = 0; i < 4; i++) {
        await sut.reserve(key);
      }

      await expect(sut.reserve(key)).rejects.toBeInstanceOf(TooManyRequestsError);
      await expect(sut.reserve(device)).resolves.toBeUndefined();
    });

    it('should spell an account the canonical way', async () => {
      const email = `${randomUUID()}@example.com`;
      for (let i = 0; i < 4; i++) {
        await sut.reserve({ account: i % 2 ? email.toUpperCase() : ` ${email}` });
      }

      await expect(sut.reserve({ account: email })).rejects.toBeInstanceOf(TooManyRequestsError);
    });
  });

  describe('clear', () => {
    it('should forget the attempts of every key it is given', async () => {
      const [first, second] = [account(), { device: randomUUID() }];
      for (let i = 0; i < 4; i++) {
        await sut.reserve(first);
        await sut.reserve(second);
      }

      await sut.clear([first, second]);

      await expect(sut.reserve(first)).resolves.toBeUndefined();
      await expect(sut.reserve(second)).resolves.toBeUndefined();
    });
  });

  describe('forgetOldFailures', () => {
    it('should forget a run of failures a day after the last one', async () => {
      const key = account();
      for (let i = 0; i < 4; i++) {
        await sut.reserve(key);
      }

      setClockAhead(t.app, 24 * 3600 + 1);
      await sut.forgetOldFailures();

      const { counted } = await outcomes(Array.from({ length: 5 }, () => sut.reserve(key)));
      expect(counted).toBe(4);
    });
  });
});
