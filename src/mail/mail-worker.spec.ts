import { retryDelayMs } from 'src/mail/mail-worker';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The attempts of a message that fails every time, as the worker schedules them: the first at its
 * queueing (age 0), each next one `retryDelayMs` later, until it gives up. Ages in ms.
 */
function attemptsOfAlwaysFailingMail(): { ages: number[]; gaveUpAt: number } {
  const ages: number[] = [];
  let age = 0;
  for (let attempts = 1; ; attempts++) {
    ages.push(age);
    const delay = retryDelayMs(attempts, age);
    if (delay === undefined) {
      return { ages, gaveUpAt: age };
    }
    age += delay;
  }
}

describe(retryDelayMs.name, () => {
  it('should retry 1, 2, 4, 8, 16 and then 20 s after the first failures', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((attempts) => retryDelayMs(attempts, 0));

    expect(delays).toEqual([1, 2, 4, 8, 16, 20, 20, 20].map((seconds) => seconds * SECOND));
  });

  it('should never wait more than 20 s during the first 15 minutes, however many attempts', () => {
    for (const age of [0, 30 * SECOND, 5 * MINUTE, 14 * MINUTE, 15 * MINUTE - 1]) {
      for (const attempts of [1, 6, 50, 500, 5_000]) {
        const delay = retryDelayMs(attempts, age);

        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThanOrEqual(20 * SECOND);
      }
    }
  });

  it('should leave at most 20 s between attempts for 15 minutes, so mail leaves within 30 s of the server’s return', () => {
    const { ages } = attemptsOfAlwaysFailingMail();
    const early = ages.filter((age) => age < 15 * MINUTE);
    // The first attempt after any moment of the first 15 minutes: the one after the last early one
    // is scheduled from it too.
    const gaps = ages.slice(1, early.length + 1).map((age, i) => age - ages[i]);

    expect(early.length).toBeGreaterThan(40);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20 * SECOND);
  });

  it('should back off after 15 minutes, growing to at most an hour', () => {
    const ages = [15, 29, 30, 45, 60, 90, 120, 180, 240, 600, 1_000, 1_439].map((m) => m * MINUTE);
    const delays = ages.map((age) => retryDelayMs(100, age)!);

    expect(delays[0]).toBeGreaterThan(20 * SECOND);
    for (let i = 1; i < delays.length; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    }
    expect(Math.max(...delays)).toBe(HOUR);
    expect(retryDelayMs(100, 2 * HOUR)).toBe(HOUR);
  });

  it('should not let the number of attempts push a delay past an hour', () => {
    for (const attempts of [1, 100, 10_000]) {
      expect(retryDelayMs(attempts, 23 * HOUR)).toBeLessThanOrEqual(HOUR);
    }
  });

  it('should give up on a message 24 hours after it was queued', () => {
    expect(retryDelayMs(50, 24 * HOUR - 1)).toBeDefined();
    expect(retryDelayMs(50, 24 * HOUR)).toBeUndefined();
    expect(retryDelayMs(1, 24 * HOUR)).toBeUndefined();
    expect(retryDelayMs(50, 30 * 24 * HOUR)).toBeUndefined();
  });

  it('should try an always failing message until its 24 hours are up, and then stop', () => {
    const { ages, gaveUpAt } = attemptsOfAlwaysFailingMail();
    const gaps = ages.slice(1).map((age, i) => age - ages[i]);

    expect(gaveUpAt).toBeGreaterThanOrEqual(24 * HOUR);
    expect(gaveUpAt).toBeLessThan(25 * HOUR);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(HOUR);
    // About 70 attempts in the first 15 minutes, then a few dozen: not thousands.
    expect(ages.length).toBeLessThan(200);
  });
});
