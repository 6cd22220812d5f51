import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigValidationError, parseDurationSeconds, parseEnv } from 'src/config/env.schema';

function pem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

const PRODUCTION_SECRETS = {
  NODE_ENV: 'production',
  REFRESH_TOKEN_SECRET: 'k3Jq9vTnW2xLp8sRz5mYc7bHd4fGa6eU1oNiQtVwXy0',
  JWT_SIGNING_KEYS: pem(),
  MAIL_URL: 'smtp://warden:mail-s3cret@smtp.example.com:587',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe(parseEnv.name, () => {
  it('should apply the documented defaults', () => {
    const config = parseEnv({});

    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      dataDir: './data',
      cookieSecure: true,
      corsOrigins: [],
      trustProxy: false,
      tokens: {
        accessTokenTtl: 900,
        refreshTokenTtl: 7 * 86_400,
        sessionMaxAge: 30 * 86_400,
        refreshReuseGrace: 10,
        clockSkew: 30,
        signingKeys: [],
      },
      rateLimits: {
        RATE_LIMIT_LOGIN: { limit: 10, windowSeconds: 60 },
        RATE_LIMIT_LOGIN_IP: { limit: 100, windowSeconds: 300 },
        RATE_LIMIT_REGISTER_IP: { limit: 30, windowSeconds: 3600 },
        RATE_LIMIT_PASSWORD_CHECK: { limit: 10, windowSeconds: 900 },
      },
      retention: { sessions: 30 * 86_400, auditEvents: 180 * 86_400 },
    });
    expect(config.database.url).toBeUndefined();
  });

  it('should read durations, lists, booleans and rate limits', () => {
    const config = parseEnv({
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '86400',
      REFRESH_REUSE_GRACE: '0',
      COOKIE_SECURE: 'false',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TRUST_PROXY: '2',
      RATE_LIMIT_REFRESH: '30/5m',
    });

    expect(config.tokens).toMatchObject({
      accessTokenTtl: 300,
      refreshTokenTtl: 86_400,
      refreshReuseGrace: 0,
    });
    expect(config.cookieSecure).toBe(false);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.trustProxy).toBe(2);
    expect(config.rateLimits.RATE_LIMIT_REFRESH).toEqual({ limit: 30, windowSeconds: 300 });
  });

  it('should treat an empty variable as unset', () => {
    expect(parseEnv({ PORT: '', REFRESH_TOKEN_SECRET: '' }).port).toBe(3000);
  });

  it('should name every malformed variable at once', () => {
    const problems = problemsOf({
      ACCESS_TOKEN_TTL: 'soon',
      RATE_LIMIT_LOGIN: 'ten per minute',
      PORT: 'eighty',
      CORS_ORIGINS: 'https://ok.example,not a url',
      COOKIE_SECURE: 'maybe',
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ACCESS_TOKEN_TTL: .*"soon"/),
        expect.stringMatching(/^RATE_LIMIT_LOGIN: .*10\/60s/),
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^CORS_ORIGINS/),
        expect.stringMatching(/^COOKIE_SECURE: /),
      ]),
    );
  });

  it('should refuse to start in production without the refresh secret and signing keys, naming them', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });

    expect(problems).toEqual([
      expect.stringMatching(/^REFRESH_TOKEN_SECRET: required in production/),
      expect.stringMatching(/^JWT_SIGNING_KEYS or JWT_SIGNING_KEY_FILES: required in production/),
      expect.stringMatching(/^MAIL_URL: required in production/),
    ]);
  });

  it('should refuse a placeholder or short refresh secret in production', () => {
    expect(
      problemsOf({
        ...PRODUCTION_SECRETS,
        REFRESH_TOKEN_SECRET: 'change-me-change-me-change-me-change-me',
      }),
    ).toEqual([expect.stringMatching(/^REFRESH_TOKEN_SECRET: looks like a placeholder/)]);
    expect(problemsOf({ ...PRODUCTION_SECRETS, REFRESH_TOKEN_SECRET: 'too-short' })).toEqual([
      expect.stringMatching(/^REFRESH_TOKEN_SECRET: must be at least 32 characters/),
    ]);
  });

  it('should start in production with real secrets, keeping every configured key in order', () => {
    const second = pem();
    const config = parseEnv({
      ...PRODUCTION_SECRETS,
      JWT_SIGNING_KEYS: `${PRODUCTION_SECRETS.JWT_SIGNING_KEYS}\n${second}`,
    });

    expect(config.tokens.signingKeys).toHaveLength(2);
    expect(config.tokens.signingKeys[1].export({ format: 'pem', type: 'pkcs8' })).toBe(second);
  });

  it('should read signing keys from files, and keys with escaped newlines from one-line variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-keys-'));
    const [first, second] = [join(dir, 'a.pem'), join(dir, 'b.pem')];
    writeFileSync(first, pem());
    writeFileSync(second, pem());

    expect(
      parseEnv({ JWT_SIGNING_KEY_FILES: `${first},${second}` }).tokens.signingKeys,
    ).toHaveLength(2);
    expect(
      parseEnv({ JWT_SIGNING_KEYS: pem().replace(/\n/g, '\\n') }).tokens.signingKeys,
    ).toHaveLength(1);
    expect(problemsOf({ JWT_SIGNING_KEY_FILES: join(dir, 'missing.pem') })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEY_FILES: .*missing\.pem/),
    ]);
    expect(problemsOf({ JWT_SIGNING_KEYS: 'not a key' })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEYS: /),
    ]);
  });

  it('should name the variable a key it cannot sign with came from, files included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-keys-'));
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const ed25519 = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    writeFileSync(join(dir, 'weak.pem'), weakRsa);

    expect(problemsOf({ JWT_SIGNING_KEY_FILES: join(dir, 'weak.pem') })).toEqual([
      expect.stringMatching(
        /^JWT_SIGNING_KEY_FILES: .*weak\.pem: an RSA key of 1024 bits is too short/,
      ),
    ]);
    expect(problemsOf({ JWT_SIGNING_KEYS: ed25519 })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEYS: unsupported key \(ed25519\)/),
    ]);
  });

  it('should refuse TRUST_PROXY=true in production only, and proxy addresses that are not', () => {
    expect(parseEnv({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(problemsOf({ ...PRODUCTION_SECRETS, TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: true lets any client choose its own address/),
    ]);
    expect(parseEnv({ ...PRODUCTION_SECRETS, TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.1,proxy.internal' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: .*"proxy\.internal"/),
    ]);
  });

  it('should refuse a session maximum shorter than the refresh token lifetime', () => {
    expect(problemsOf({ SESSION_MAX_AGE: '1d', REFRESH_TOKEN_TTL: '7d' })).toEqual([
      expect.stringMatching(/^SESSION_MAX_AGE: /),
    ]);
  });

  it('should refuse to start in production without MAIL_URL, naming it', () => {
    const { MAIL_URL: _, ...withoutMail } = PRODUCTION_SECRETS;

    expect(problemsOf(withoutMail)).toEqual([
      expect.stringMatching(/^MAIL_URL: required in production/),
    ]);
  });

  it('should write mail to DATA_DIR/mail and log its links when MAIL_URL is unset outside production', () => {
    expect(parseEnv({ DATA_DIR: '/var/lib/warden' }).mail).toMatchObject({
      url: 'file:///var/lib/warden/mail',
      logLinks: true,
    });
    expect(parseEnv({ MAIL_URL: 'smtps://smtp.example.com:465' }).mail).toMatchObject({
      url: 'smtps://smtp.example.com:465',
      logLinks: false,
    });
    expect(parseEnv({ MAIL_URL: 'file:///var/mail/warden' }).mail.url).toBe(
      'file:///var/mail/warden',
    );
  });

  it.each([
    'http://smtp.example.com',
    'sendmail://localhost',
    'smtp.example.com:587',
    'smtp://',
    'file:///',
  ])('should refuse MAIL_URL %p', (url) => {
    expect(problemsOf({ MAIL_URL: url })).toEqual([
      expect.stringMatching(/^MAIL_URL: expected smtp:\/\//),
    ]);
  });

  it('should default PUBLIC_URL to http://localhost:PORT and ACCOUNT_URL to PUBLIC_URL/account', () => {
    expect(parseEnv({})).toMatchObject({
      publicUrl: 'http://localhost:3000',
      accounts: { url: 'http://localhost:3000/account' },
    });
    expect(parseEnv({ PORT: '8080' })).toMatchObject({
      publicUrl: 'http://localhost:8080',
      accounts: { url: 'http://localhost:8080/account' },
    });
    expect(parseEnv({ PUBLIC_URL: 'https://auth.example.com/warden/' })).toMatchObject({
      publicUrl: 'https://auth.example.com/warden',
      accounts: { url: 'https://auth.example.com/warden/account' },
    });
    expect(
      parseEnv({
        PUBLIC_URL: 'https://auth.example.com',
        ACCOUNT_URL: 'https://app.example.com/account/',
      }).accounts.url,
    ).toBe('https://app.example.com/account');
  });

  it.each([
    'Warden <no-reply@example.com>\r\nBcc: eve@example.com',
    'no-reply@example.com\nBcc: eve@example.com',
    'Warden\r <no-reply@example.com>',
    'no-reply@example.com\r',
  ])('should refuse a MAIL_FROM with a line break (%j)', (from) => {
    expect(problemsOf({ MAIL_FROM: from })).toEqual([expect.stringMatching(/^MAIL_FROM: /)]);
  });

  it('should take a MAIL_FROM with or without a display name', () => {
    expect(parseEnv({ MAIL_FROM: 'Acme Accounts <accounts@acme.example>' }).mail.from).toBe(
      'Acme Accounts <accounts@acme.example>',
    );
    expect(parseEnv({ MAIL_FROM: 'accounts@acme.example' }).mail.from).toBe(
      'accounts@acme.example',
    );
  });
});

describe(parseDurationSeconds.name, () => {
  it.each([
    ['10s', 10],
    ['15m', 900],
    ['2h', 7200],
    ['7d', 604_800],
    ['45', 45],
    [' 3m ', 180],
  ])('should read %p as %p seconds', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds);
  });

  it.each(['', 'm', '1.5m', '-5s', '10 minutes', '1w'])('should refuse %p', (input) => {
    expect(parseDurationSeconds(input)).toBeUndefined();
  });
});
