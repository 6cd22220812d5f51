import { availableParallelism } from 'node:os';

import { z } from 'zod';

import {
  boolean,
  commaList,
  duration,
  integer,
  origin,
  baseUrl,
  mailbox,
  mailUrl,
  rateLimit,
  trustProxy,
} from 'src/config/parsers';

export const GROUPS = [
  'General',
  'Database',
  'Redis',
  'Tokens',
  'HTTP',
  'Rate limits',
  'Passwords and brute force',
  'Accounts and mail',
  'Retention',
  'CLI',
] as const;

export type Group = (typeof GROUPS)[number];

/** One environment variable: where it is documented, its default, its parser and its meaning. */
export interface Variable<Schema extends z.ZodType = z.ZodType> {
  group: Group;
  /** The value an unset (or empty) variable takes, exactly as if it had been set to it. */
  default?: string;
  /** How the docs state a default that is not a fixed value. */
  defaultText?: string;
  /** Reads the variable's text. */
  schema: Schema;
  /** What it means: one or two sentences, for the README and `.env.example`. */
  doc: string;
  /** For variables without a default: a value to show, commented out, in `.env.example`. */
  example?: string;
  /** Read by the CLI only, not by the server. */
  cliOnly?: boolean;
}

const variable = <V extends Variable>(spec: V): V => spec;

/**
 * Every variable Warden reads, each declared once. `parseEnv` parses them, and
 * `npm run config:docs` writes `.env.example` and the README's table from them.
 */
export const VARIABLES = {
  NODE_ENV: variable({
    group: 'General',
    default: 'development',
    schema: z.enum(['development', 'production', 'test']),
    doc: '`development`, `production` or `test`. Production refuses to start without `REFRESH_TOKEN_SECRET`, signing keys and `MAIL_URL`, and names what is missing.',
  }),
  PORT: variable({
    group: 'General',
    default: '3000',
    schema: integer(0, 65_535),
    doc: 'Port to listen on.',
  }),
  HOST: variable({
    group: 'General',
    default: '0.0.0.0',
    schema: z.string().min(1),
    doc: 'Address to listen on.',
  }),
  DATA_DIR: variable({
    group: 'General',
    default: './data',
    schema: z.string().min(1),
    doc: 'The embedded database (`pglite/`), the development keys (`keys/`) and, in development, the mail written to files (`mail/`).',
  }),
  PUBLIC_URL: variable({
    group: 'General',
    defaultText: '`http://localhost:PORT`',
    schema: baseUrl(),
    doc: 'Warden’s external URL, as clients reach it (behind a proxy: the proxy’s). Links in mails start with it unless `ACCOUNT_URL` says otherwise.',
    example: 'https://auth.example.com',
  }),
  LOG_LEVEL: variable({
    group: 'General',
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    doc: 'pino level. Logs are JSON, one line per request, never tokens, cookies or bodies.',
  }),

  DATABASE_URL: variable({
    group: 'Database',
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL'),
    doc: 'PostgreSQL to use; unset means the embedded PostgreSQL (PGlite) in `DATA_DIR/pglite`.',
    example: 'postgres://warden:secret@localhost:5432/warden',
  }),
  DATABASE_POOL_SIZE: variable({
    group: 'Database',
    default: '10',
    schema: integer(1, 1000),
    doc: 'PostgreSQL connections per instance.',
  }),
  RUN_MIGRATIONS: variable({
    group: 'Database',
    default: 'true',
    schema: boolean(),
    doc: 'Apply pending migrations at boot, under an advisory lock, so that instances may boot together.',
  }),

  REDIS_URL: variable({
    group: 'Redis',
    schema: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
    doc: 'Needed for more than one instance: shared rate-limit counters and revocations. Warden boots and serves without it being reachable (per-instance limits, revocations from the database) and reconnects by itself.',
    example: 'redis://localhost:6379',
  }),
  REDIS_KEY_PREFIX: variable({
    group: 'Redis',
    default: 'warden:',
    schema: z.string().regex(/^[\w:.-]{1,64}$/, 'expected up to 64 letters, digits, and : . _ -'),
    doc: 'Prefix of every Redis key and channel, so that several deployments can share one Redis.',
  }),

  JWT_ISSUER: variable({
    group: 'Tokens',
    default: 'warden',
    schema: z.string().min(1),
    doc: '`iss` of every token.',
  }),
  JWT_AUDIENCE: variable({
    group: 'Tokens',
    default: 'warden-api',
    schema: z.string().min(1),
    doc: '`aud` of access tokens: what resource services check.',
  }),
  DEFAULT_CLIENT_ID: variable({
    group: 'Tokens',
    default: 'warden',
    schema: z.string().regex(/^[\w.:-]{1,64}$/, 'expected up to 64 letters, digits, and : . _ -'),
    doc: '`client_id` of the access tokens that Warden’s own login API issues.',
  }),
  ACCESS_TOKEN_TTL: variable({
    group: 'Tokens',
    default: '15m',
    schema: duration(),
    doc: 'Access token lifetime.',
  }),
  REFRESH_TOKEN_TTL: variable({
    group: 'Tokens',
    default: '7d',
    schema: duration(),
    doc: 'Idle lifetime of a session: each refresh slides it, never past `SESSION_MAX_AGE`.',
  }),
  SESSION_MAX_AGE: variable({
    group: 'Tokens',
    default: '30d',
    schema: duration(),
    doc: 'Absolute lifetime of a session from login, never extended; at least `REFRESH_TOKEN_TTL`.',
  }),
  REFRESH_REUSE_GRACE: variable({
    group: 'Tokens',
    default: '10s',
    schema: duration({ min: 0 }),
    doc: 'How long the immediate predecessor of a refresh token is still answered, with the same successor.',
  }),
  CLOCK_SKEW: variable({
    group: 'Tokens',
    default: '30s',
    schema: duration({ min: 0 }),
    doc: 'Tolerance on `exp` and `nbf` when verifying tokens.',
  }),
  REFRESH_TOKEN_SECRET: variable({
    group: 'Tokens',
    defaultText: 'generated in development',
    schema: z.string(),
    doc: "HS256 secret of refresh and device tokens, at least 32 characters; one that looks like a placeholder is refused in production. Generate one with `node -e \"console.log(require('crypto').randomBytes(48).toString('base64url'))\"`.",
  }),
  JWT_SIGNING_KEYS: variable({
    group: 'Tokens',
    defaultText: 'generated in development',
    schema: z.string(),
    doc: 'PEM private keys of access tokens (EC P-256 → ES256, P-384, P-521, RSA ≥ 2048 bits → RS256), one block after another (`\\n` escapes accepted). The first signs; all are in the JWKS. Generate one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.',
  }),
  JWT_SIGNING_KEY_FILES: variable({
    group: 'Tokens',
    schema: commaList(),
    doc: 'The same keys as a comma-separated list of PEM files, e.g. mounted secrets. Set this or `JWT_SIGNING_KEYS`, not both.',
    example: '/run/secrets/signing-key-2026-11.pem,/run/secrets/signing-key-2026-08.pem',
  }),

  COOKIE_SECURE: variable({
    group: 'HTTP',
    default: 'true',
    schema: boolean(),
    doc: 'Whether the refresh and device cookies are `Secure`; `false` only for plain-http setups other than localhost.',
  }),
  CORS_ORIGINS: variable({
    group: 'HTTP',
    default: '',
    schema: commaList().pipe(z.array(origin)),
    doc: 'Comma-separated browser origins allowed to call Warden with credentials and to use the refresh cookie, e.g. `https://app.example.com,http://localhost:5173`.',
  }),
  TRUST_PROXY: variable({
    group: 'HTTP',
    default: 'false',
    schema: trustProxy(),
    doc: 'Which `X-Forwarded-For` hops to believe: `false`, a number of proxies in front, or their addresses/CIDRs. `true` (believe any client) is refused in production. Forwarded values that are not IP addresses are ignored.',
  }),

  RATE_LIMIT_GLOBAL: variable({
    group: 'Rate limits',
    default: '600/10s',
    schema: rateLimit(),
    doc: 'Every request, per client IP (health checks exempt).',
  }),
  RATE_LIMIT_LOGIN: variable({
    group: 'Rate limits',
    default: '10/60s',
    schema: rateLimit(),
    doc: 'Logins and registrations together, per client IP and email.',
  }),
  RATE_LIMIT_LOGIN_IP: variable({
    group: 'Rate limits',
    default: '100/5m',
    schema: rateLimit(),
    doc: 'Login attempts per client IP, whatever the email.',
  }),
  RATE_LIMIT_REGISTER_IP: variable({
    group: 'Rate limits',
    default: '30/1h',
    schema: rateLimit(),
    doc: 'Registrations per client IP.',
  }),
  RATE_LIMIT_REFRESH: variable({
    group: 'Rate limits',
    default: '300/60s',
    schema: rateLimit(),
    doc: 'Refreshes per client IP.',
  }),
  RATE_LIMIT_MAIL: variable({
    group: 'Rate limits',
    default: '5/1h',
    schema: rateLimit(),
    doc: 'Mails requested for one address (password reset, verification, email change), whether or not it has an account; requests beyond it are answered alike and send nothing.',
  }),
  RATE_LIMIT_LINK: variable({
    group: 'Rate limits',
    default: '200/15m',
    schema: rateLimit(),
    doc: 'Uses of mailed links (`POST /auth/email/verify`, `POST /auth/password/reset`) per client IP.',
  }),
  RATE_LIMIT_PASSWORD_CHECK: variable({
    group: 'Rate limits',
    default: '10/15m',
    schema: rateLimit(),
    doc: 'Checks of the current password outside login (password change, reauthentication, deletion), per user.',
  }),

  LOGIN_BACKOFF_AFTER: variable({
    group: 'Passwords and brute force',
    default: '10',
    schema: integer(1, 1000),
    doc: 'Consecutive failed password checks for an account before each next attempt must wait twice as long as the last (1 s, 2 s, 4 s, …). A device that signed in before is held only by its own count.',
  }),
  LOGIN_BACKOFF_MAX: variable({
    group: 'Passwords and brute force',
    default: '15m',
    schema: duration({ max: 86_400 }),
    doc: 'The longest such wait (at most `1d`).',
  }),
  PASSWORD_HASH_CONCURRENCY: variable({
    group: 'Passwords and brute force',
    default: String(availableParallelism()),
    defaultText: 'the CPU count',
    schema: integer(1, 256),
    doc: 'argon2 hashes that run at once; others wait in a queue that is fair between client IPs.',
  }),
  PASSWORD_HASH_QUEUE: variable({
    group: 'Passwords and brute force',
    default: '64',
    schema: integer(0, 100_000),
    doc: 'Password checks that may wait for a hashing slot; beyond it, and beyond a fair share per client IP, 503 `service_unavailable` with `Retry-After`.',
  }),

  ACCOUNT_URL: variable({
    group: 'Accounts and mail',
    defaultText: '`PUBLIC_URL/account` (Warden’s own pages)',
    schema: baseUrl(),
    doc: 'Where mailed links point: `{ACCOUNT_URL}/verify-email?token=…` and `{ACCOUNT_URL}/reset-password?token=…`. Point it at your own app to handle them there.',
    example: 'https://app.example.com/account',
  }),
  EMAIL_VERIFICATION: variable({
    group: 'Accounts and mail',
    default: 'optional',
    schema: z.enum(['optional', 'required']),
    doc: '`optional`: unverified accounts sign in, with `email_verified: false` in their tokens. `required`: their tokens reach only `GET /users/me`, the verification routes, refresh and logout; everything else answers 403 `email_not_verified`.',
  }),
  EMAIL_VERIFICATION_TTL: variable({
    group: 'Accounts and mail',
    default: '24h',
    schema: duration({ min: 60, max: 30 * 86_400 }),
    doc: 'How long a verification or email-change link works.',
  }),
  PASSWORD_RESET_TTL: variable({
    group: 'Accounts and mail',
    default: '1h',
    schema: duration({ min: 60, max: 7 * 86_400 }),
    doc: 'How long a password-reset link works.',
  }),
  MAIL_COOLDOWN: variable({
    group: 'Accounts and mail',
    default: '60s',
    schema: duration({ min: 0, max: 86_400 }),
    doc: 'At most one mail of each kind (verification, reset, email change) per address in this time; requests in between are answered alike and send nothing.',
  }),
  MAIL_URL: variable({
    group: 'Accounts and mail',
    defaultText: '`file://DATA_DIR/mail` in development; required in production',
    schema: mailUrl(),
    doc: 'How mail leaves: `smtp://user:pass@host:587` (STARTTLS when offered), `smtps://user:pass@host:465`, or `file:///dir` to write `.eml` files. Unset in development, mail is written to `DATA_DIR/mail/` and its link logged. A relay on this machine (`localhost`, `127.x`, `[::1]`) is trusted without checking its certificate.',
    example: 'smtp://user:secret@smtp.example.com:587',
  }),
  MAIL_FROM: variable({
    group: 'Accounts and mail',
    default: 'Warden <no-reply@localhost>',
    schema: mailbox(),
    doc: 'The sender of every mail.',
  }),
  MAIL_TEMPLATES_DIR: variable({
    group: 'Accounts and mail',
    schema: z.string().min(1),
    doc: 'A folder of templates that replace the built-in ones file by file (`<kind>.subject.txt`, `<kind>.txt`, `<kind>.html`; see `src/mail/templates/`). Checked at boot.',
    example: './mail-templates',
  }),

  SESSION_RETENTION: variable({
    group: 'Retention',
    default: '30d',
    schema: duration({ min: 0 }),
    doc: 'How long ended sessions are kept before the hourly job deletes them.',
  }),
  AUDIT_RETENTION: variable({
    group: 'Retention',
    default: '180d',
    schema: duration({ min: 0 }),
    doc: 'How long security events (`auth_events`) are kept before the hourly job deletes them.',
  }),

  WARDEN_ADMIN_PASSWORD: variable({
    group: 'CLI',
    schema: z.string(),
    doc: 'Only for `npm run cli -- create-admin`: the new administrator’s password (read from standard input when unset, never from the command line).',
    example: '',
    cliOnly: true,
  }),
} satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;
