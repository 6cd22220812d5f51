import { createSecretKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { z } from 'zod';

import type { RateLimit } from 'src/config/parsers';
import { parseSigningKeys } from 'src/config/signing-keys';
import { VARIABLES, type VariableName } from 'src/config/variables';

export { parseDurationSeconds, type RateLimit } from 'src/config/parsers';

type Declared = typeof VARIABLES;

/** A variable's parsed value: undefined only when it has no default and is unset. */
type Parsed<K extends VariableName> =
  z.output<Declared[K]['schema']> | (Declared[K] extends { default: string } ? never : undefined);

type RawEnv = { [K in VariableName]: Parsed<K> };

export type RateLimitVariable = Extract<VariableName, `RATE_LIMIT_${string}`>;

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  /** Warden's external URL, without a trailing slash. */
  publicUrl: string;
  database: { url?: string; poolSize: number; runMigrations: boolean };
  /** Shared rate-limit counters and revocations across instances; in-process without it. */
  redis?: {
    url: string;
    /** Prefixes every key and channel, so that several deployments can share one Redis. */
    keyPrefix: string;
  };
  /** Seconds that ended sessions, and security events, are kept before they are deleted. */
  retention: { sessions: number; auditEvents: number };
  tokens: {
    issuer: string;
    audience: string;
    /** `client_id` of the access tokens of Warden's own login API. */
    clientId: string;
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
  rateLimits: Record<RateLimitVariable, RateLimit>;
  /** Consecutive failed password checks for an account before each next one must wait. */
  loginBackoff: { after: number; maxSeconds: number };
  /** argon2 hashes at once, and how many may wait for one. */
  passwordHashing: { concurrency: number; queue: number };
  accounts: {
    /** Where mailed links point, without a trailing slash. */
    url: string;
    emailVerification: 'optional' | 'required';
    /** Seconds a verification (or email-change) link, and a reset link, work. */
    verificationTtl: number;
    resetTtl: number;
    /** Seconds between two mails of one kind to one address. */
    mailCooldown: number;
  };
  mail: {
    /** `smtp://…`, `smtps://…` or `file://…`: always set (development writes files). */
    url: string;
    from: string;
    templatesDir?: string;
    /** True when MAIL_URL was not set (development): the links of written mail are logged. */
    logLinks: boolean;
  };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const SERVER_VARIABLES = (Object.keys(VARIABLES) as VariableName[]).filter(
  (name) => !('cliOnly' in VARIABLES[name]),
);

const rawEnvSchema = z.object(
  Object.fromEntries(
    SERVER_VARIABLES.map((name) => {
      const { schema } = VARIABLES[name] as { schema: z.ZodType };
      return [name, 'default' in VARIABLES[name] ? schema : schema.optional()];
    }),
  ),
);

const PLACEHOLDER_SECRETS = /change[-_ ]?me|placeholder|example|^secret$|^(.)\1+$/i;
const MIN_SECRET_LENGTH = 32;

function loadSigningKeys(env: RawEnv, problems: string[]): KeyObject[] {
  const files = env.JWT_SIGNING_KEY_FILES ?? [];
  if (env.JWT_SIGNING_KEYS && files.length > 0) {
    problems.push('JWT_SIGNING_KEYS, JWT_SIGNING_KEY_FILES: set one of them, not both');
    return [];
  }
  if (env.JWT_SIGNING_KEYS) {
    try {
      return parseSigningKeys(env.JWT_SIGNING_KEYS);
    } catch (error) {
      problems.push(`JWT_SIGNING_KEYS: ${(error as Error).message}`);
      return [];
    }
  }
  return files.flatMap((path) => {
    try {
      return parseSigningKeys(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`JWT_SIGNING_KEY_FILES: ${path}: ${(error as Error).message}`);
      return [];
    }
  });
}

function loadRefreshTokenSecret(env: RawEnv, problems: string[]): KeyObject | undefined {
  const secret = env.REFRESH_TOKEN_SECRET;
  if (secret === undefined) {
    return undefined;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`REFRESH_TOKEN_SECRET: must be at least ${MIN_SECRET_LENGTH} characters long`);
  } else if (env.NODE_ENV === 'production' && PLACEHOLDER_SECRETS.test(secret)) {
    problems.push('REFRESH_TOKEN_SECRET: looks like a placeholder; generate a random secret');
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Rules that span variables, or that hold in production only. */
function crossCheck(env: RawEnv, problems: string[]): void {
  if (env.SESSION_MAX_AGE < env.REFRESH_TOKEN_TTL) {
    problems.push('SESSION_MAX_AGE: must not be shorter than REFRESH_TOKEN_TTL');
  }
  if (env.NODE_ENV === 'production' && env.TRUST_PROXY === true) {
    problems.push(
      'TRUST_PROXY: true lets any client choose its own address (and rate-limit key) in production; set the number of proxies in front of Warden, or their addresses',
    );
  }
}

/** The variables that are set: an empty one (`FOO=` in a .env file) means "not set". */
function presentVariables(source: Record<string, string | undefined>): Record<string, string> {
  const present: Record<string, string> = {};
  for (const name of SERVER_VARIABLES) {
    const value = source[name];
    const fallback = (VARIABLES[name] as { default?: string }).default;
    if (value !== undefined && value !== '') {
      present[name] = value;
    } else if (fallback !== undefined) {
      present[name] = fallback;
    }
  }
  return present;
}

/** Validates the environment once, at boot, and names every variable that is wrong. */
export function parseEnv(source: Record<string, string | undefined>): AppConfig {
  const parsed = rawEnvSchema.safeParse(presentVariables(source));
  if (!parsed.success) {
    throw new ConfigValidationError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = parsed.data as RawEnv;
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
    if (!env.MAIL_URL) {
      problems.push(
        'MAIL_URL: required in production, or no password-reset or verification mail can leave (smtp://user:pass@host:587, smtps://…, or file:///dir)',
      );
    }
  }
  crossCheck(env, problems);
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    publicUrl,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      runMigrations: env.RUN_MIGRATIONS,
    },
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : undefined,
    retention: { sessions: env.SESSION_RETENTION, auditEvents: env.AUDIT_RETENTION },
    tokens: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clientId: env.DEFAULT_CLIENT_ID,
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
      RATE_LIMIT_GLOBAL: env.RATE_LIMIT_GLOBAL,
      RATE_LIMIT_LOGIN: env.RATE_LIMIT_LOGIN,
      RATE_LIMIT_LOGIN_IP: env.RATE_LIMIT_LOGIN_IP,
      RATE_LIMIT_REGISTER_IP: env.RATE_LIMIT_REGISTER_IP,
      RATE_LIMIT_REFRESH: env.RATE_LIMIT_REFRESH,
      RATE_LIMIT_PASSWORD_CHECK: env.RATE_LIMIT_PASSWORD_CHECK,
      RATE_LIMIT_MAIL: env.RATE_LIMIT_MAIL,
      RATE_LIMIT_LINK: env.RATE_LIMIT_LINK,
    },
    loginBackoff: { after: env.LOGIN_BACKOFF_AFTER, maxSeconds: env.LOGIN_BACKOFF_MAX },
    passwordHashing: {
      concurrency: env.PASSWORD_HASH_CONCURRENCY,
      queue: env.PASSWORD_HASH_QUEUE,
    },
    accounts: {
      url: env.ACCOUNT_URL ?? `${publicUrl}/account`,
      emailVerification: env.EMAIL_VERIFICATION,
      verificationTtl: env.EMAIL_VERIFICATION_TTL,
      resetTtl: env.PASSWORD_RESET_TTL,
      mailCooldown: env.MAIL_COOLDOWN,
    },
    mail: {
      url: env.MAIL_URL ?? pathToFileURL(resolve(env.DATA_DIR, 'mail')).href,
      from: env.MAIL_FROM,
      templatesDir: env.MAIL_TEMPLATES_DIR,
      logLinks: !env.MAIL_URL,
    },
  };
}

/** `process.env`, completed (never overridden) from `./.env` when there is one. */
export function readProcessEnv(): Record<string, string | undefined> {
  if (existsSync('.env')) {
    process.loadEnvFile('.env');
  }
  return process.env;
}
