import { VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { parseEnv } from 'src/config/env.schema';

const user: AuthenticatedUser = {
  userId: 'u',
  sessionId: 's',
  clientId: 'warden',
  roles: ['user'],
  emailVerified: false,
  acr: 'aal1',
  amr: ['pwd'],
  authTime: 1_796_000_000,
};

describe(VerifiedAccessTokens.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  function setup() {
    return { sut: new VerifiedAccessTokens(parseEnv({ CLOCK_SKEW: '30s' })) };
  }

  it('should remember a verified token until it expires, allowing the clock skew', () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z') });
    const { sut } = setup();
    const expiresAt = Date.parse('2026-11-26T12:15:00Z') / 1000;

    sut.remember('token', user, expiresAt);

    expect(sut.get('token')).toBe(user);
    jest.setSystemTime(new Date('2026-11-26T12:15:29Z'));
    expect(sut.get('token')).toBe(user);
    jest.setSystemTime(new Date('2026-11-26T12:15:31Z'));
    expect(sut.get('token')).toBeUndefined();
  });

  it('should know only the exact token text', () => {
    const { sut } = setup();
    sut.remember('header.payload.signature', user, Date.now() / 1000 + 60);

    expect(sut.get('header.payload.signaturf')).toBeUndefined();
    expect(sut.get('header.payload.signature ')).toBeUndefined();
  });

  it('should forget the oldest tokens beyond 10,000', () => {
    const { sut } = setup();
    const expiresAt = Date.now() / 1000 + 60;
    for (let i = 0; i <= 10_000; i++) {
      sut.remember(`token-${i}`, user, expiresAt);
    }

    expect(sut.get('token-0')).toBeUndefined();
    expect(sut.get('token-1')).toBe(user);
    expect(sut.get('token-10000')).toBe(user);
  });
});
