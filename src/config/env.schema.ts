import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION_PATTERN = /^(\d+)\s*([smhd])?$/;

/** `10s`, `15m`, `2h`, `7d` or a plain number of seconds, to whole seconds. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) {
    return undefined;
  }
  return Number(match[1]) * DURATION_UNITS[match[2] ?? 's'];
}

const duration = (fallback: string, { min = 1 }: { min?: number } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const seconds = parseDurationSeconds(value);
      if (seconds === undefined || seconds < min) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 10s, 15m, 7d or a number of seconds (at least ${min}s), got "${value}"`,
        });
        return z.NEVER;
      }
      return seconds;
    });

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): RateLimit => {
      const [count, window] = value.split('/');
      const limit = Number(count);
      const windowSeconds = window === undefined ? undefined : parseDurationSeconds(window);
      if (!Number.isInteger(limit) || limit < 1 || !windowSeconds) {
        ctx.addIssue({
          code: 'custom',
          message: `expected count/window such as 10/60s, got "${value}"`,
        });
        return z.NEVER;
      }
      return { limit, windowSeconds };
    });

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.origin !== 'null' && url.origin === value.replace(/\/$/, '')) {
      return url.origin;
    }
  } catch {
    // reported below
  }
  ctx.addIssue({
    code: 'custom',
    message: `"${value}" is not an origin such as https://app.example.com`,
  });
  return z.NEVER;
});

/** `false`, `true`, a number of proxy hops, or a comma-separated list of proxy addresses. */
const trustProxy = z
  .string()
  .default('false')
  .transform((value): boolean | number | string[] => {
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    if (/^\d+$/.test(value)) {
      return Number(value);
    }
    return value.split(',').map((item) => item.trim());
  });

const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g;

function parsePrivateKeys(pemText: string): KeyObject[] {
  const blocks = pemText.replace(/\\n/g, '\n').match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new Error('no PEM private key found');
  }
  return blocks.map((block) => createPrivateKey(block));
}

const PLACEHOLDER_SECRETS = /change[-_ ]?me|placeholder|example|^secret$|^(.)\1+$/i;
const MIN_SECRET_LENGTH = 32;

const rawEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'expected up to 64 letters, digits, and : . _ -')
    .default('warden:'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  RUN_MIGRATIONS: boolean(true),
  JWT_ISSUER: z.string().min(1).default('warden'),
  JWT_AUDIENCE: z.string().min(1).default('warden-api'),
  ACCESS_TOKEN_TTL: duration('15m'),
  REFRESH_TOKEN_TTL: duration('7d'),
  SESSION_MAX_AGE: duration('30d'),
  SESSION_RETENTION: duration('30d', { min: 0 }),
  REFRESH_REUSE_GRACE: duration('10s', { min: 0 }),
  CLOCK_SKEW: duration('30s', { min: 0 }),
  REFRESH_TOKEN_SECRET: z.string().optional(),
  JWT_SIGNING_KEYS: z.string().optional(),
  JWT_SIGNING_KEY_FILES: commaList,
  COOKIE_SECURE: boolean(true),
  CORS_ORIGINS: commaList.pipe(z.array(origin)),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_GLOBAL: rateLimit('600/10s'),
  RATE_LIMIT_LOGIN: rateLimit('10/60s'),
  RATE_LIMIT_REFRESH: rateLimit('300/60s'),
  LOGIN_BACKOFF_AFTER: z.coerce.number().int().min(1).max(1000).default(10),
  LOGIN_BACKOFF_MAX: duration('15m'),
});

type RawEnv = z.infer<typeof rawEnvSchema>;

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  database: { url?: string; poolSize: number; runMigrations: boolean };
  /** Shared rate-limit counters and revocations across instances; in-process without it. */
  redis?: {
    url: string;
    /** Prefixes every key and channel, so that several deployments can share one Redis. */
    keyPrefix: string;
  };
  /** How long ended sessions are kept (for the admin and the audit trail) before they are deleted. */
  sessionRetention: number;
  tokens: {
    issuer: string;
    audience: string;
    accessTokenTtl: number;
    refreshTokenTtl: number;
    sessionMaxAge: number;
    refreshReuseGrace: number;
    clockSkew: number;
    /** Empty outside production when none are configured: development keys are generated. */
    signingKeys: KeyObject[];
    refreshTokenSecret?: KeyObject;
  };
  cookieSecure: boolean;
  corsOrigins: string[];
  trustProxy: boolean | number | string[];
  logLevel: RawEnv['LOG_LEVEL'];
  rateLimits: { global: RateLimit; login: RateLimit; refresh: RateLimit };
  /** Consecutive failed logins for one email before each further one imposes a doubling wait. */
  loginBackoff: { after: number; maxSeconds: number };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

function loadSigningKeys(env: RawEnv, problems: string[]): KeyObject[] {
  if (env.JWT_SIGNING_KEYS && env.JWT_SIGNING_KEY_FILES.length > 0) {
    problems.push('JWT_SIGNING_KEYS, JWT_SIGNING_KEY_FILES: set one of them, not both');
    return [];
  }
  if (env.JWT_SIGNING_KEYS) {
    try {
      return parsePrivateKeys(env.JWT_SIGNING_KEYS);
    } catch (error) {
      problems.push(`JWT_SIGNING_KEYS: ${(error as Error).message}`);
      return [];
    }
  }
  return env.JWT_SIGNING_KEY_FILES.flatMap((path) => {
    try {
      return parsePrivateKeys(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`JWT_SIGNING_KEY_FILES: ${path}: ${(error as Error).message}`);
      return [];
    }
  });
}

function loadRefreshTokenSecret(env: RawEnv, problems: string[]): KeyObject | undefined {
  const secret = env.REFRESH_TOKEN_SECRET;
  if (secret === undefined || secret === '') {
    return undefined;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`REFRESH_TOKEN_SECRET: must be at least ${MIN_SECRET_LENGTH} characters long`);
  } else if (env.NODE_ENV === 'production' && PLACEHOLDER_SECRETS.test(secret)) {
    problems.push('REFRESH_TOKEN_SECRET: looks like a placeholder; generate a random secret');
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Validates the environment once, at boot, and names every variable that is wrong. */
export function parseEnv(source: Record<string, string | undefined>): AppConfig {
  // An empty variable (`FOO=` in a .env file) means "not set".
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = rawEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigValidationError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const problems: string[] = [];
  const signingKeys = loadSigningKeys(env, problems);
  const refreshTokenSecret = loadRefreshTokenSecret(env, problems);
  if (env.NODE_ENV === 'production') {
    if (!refreshTokenSecret) {
      problems.push('REFRESH_TOKEN_SECRET: required in production (at least 32 random characters)');
    }
    if (signingKeys.length === 0 && !problems.some((problem) => problem.startsWith('JWT_'))) {
      problems.push(
        'JWT_SIGNING_KEYS or JWT_SIGNING_KEY_FILES: required in production (PEM private keys, the first one signs)',
      );
    }
  }
  if (env.LOGIN_BACKOFF_MAX > 86_400) {
    problems.push('LOGIN_BACKOFF_MAX: must be at most 1d');
  }
  if (env.SESSION_MAX_AGE < env.REFRESH_TOKEN_TTL) {
    problems.push('SESSION_MAX_AGE: must not be shorter than REFRESH_TOKEN_TTL');
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      runMigrations: env.RUN_MIGRATIONS,
    },
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : undefined,
    sessionRetention: env.SESSION_RETENTION,
    tokens: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtl: env.ACCESS_TOKEN_TTL,
      refreshTokenTtl: env.REFRESH_TOKEN_TTL,
      sessionMaxAge: env.SESSION_MAX_AGE,
      refreshReuseGrace: env.REFRESH_REUSE_GRACE,
      clockSkew: env.CLOCK_SKEW,
      signingKeys,
      refreshTokenSecret,
    },
    cookieSecure: env.COOKIE_SECURE,
    corsOrigins: env.CORS_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    rateLimits: {
      global: env.RATE_LIMIT_GLOBAL,
      login: env.RATE_LIMIT_LOGIN,
      refresh: env.RATE_LIMIT_REFRESH,
    },
    loginBackoff: { after: env.LOGIN_BACKOFF_AFTER, maxSeconds: env.LOGIN_BACKOFF_MAX },
  };
}

/** `process.env`, completed (never overridden) from `./.env` when there is one. */
export function readProcessEnv(): Record<string, string | undefined> {
  if (existsSync('.env')) {
    process.loadEnvFile('.env');
  }
  return process.env;
}
