import { isIP } from 'node:net';

import { z } from 'zod';

/**
 * The parsers of configuration values. Each takes the variable's text (its default when unset) and
 * reports a problem that says what was expected and what it got.
 */

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

export const duration = ({ min = 1, max = Infinity }: { min?: number; max?: number } = {}) =>
  z.string().transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds < min || seconds > max) {
      const range = max === Infinity ? `at least ${min}s` : `${min}s to ${max}s`;
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 10s, 15m, 7d or a number of seconds (${range}), got "${value}"`,
      });
      return z.NEVER;
    }
    return seconds;
  });

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export const rateLimit = () =>
  z.string().transform((value, ctx): RateLimit => {
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

export const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const boolean = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .transform((value) => ['true', '1', 'yes'].includes(value));

export const commaList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

export const origin = z.string().transform((value, ctx) => {
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

/** The names of address ranges that Fastify's `trustProxy` (proxy-addr) knows. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, a CIDR range of them, or a named range. */
function isAddressOrRange(value: string): boolean {
  if (NAMED_RANGES.has(value)) {
    return true;
  }
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** `false`, `true`, a number of proxy hops, or a comma-separated list of proxy addresses. */
export const trustProxy = () =>
  z.string().transform((value, ctx): boolean | number | string[] => {
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    if (/^\d+$/.test(value)) {
      return Number(value);
    }
    const addresses = value.split(',').map((item) => item.trim());
    const wrong = addresses.filter((address) => !isAddressOrRange(address));
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected false, true, a number of proxy hops or proxy addresses, CIDRs or loopback, linklocal, uniquelocal; got "${wrong.join(', ')}"`,
      });
      return z.NEVER;
    }
    return addresses;
  });

/** An http(s) URL without query or fragment, as given but without a trailing slash. */
export const baseUrl = () =>
  z.string().transform((value, ctx) => {
    try {
      const url = new URL(value);
      if (/^https?:$/.test(url.protocol) && !url.search && !url.hash && !url.username) {
        return url.href.replace(/\/+$/, '');
      }
    } catch {
      // reported below
    }
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not an http(s) URL such as https://auth.example.com (no query, no fragment)`,
    });
    return z.NEVER;
  });

/** A mail transport: `smtp://`, `smtps://` (nodemailer's URL form) or `file://DIR`. */
export const mailUrl = () =>
  z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'file:'
        ? url.pathname.length > 1
        : /^smtps?:$/.test(url.protocol) && !!url.hostname;
    } catch {
      return false;
    }
  }, 'expected smtp://user:pass@host:port, smtps://… or file:///path/to/dir');

/** A sender such as `Warden <no-reply@example.com>` or `no-reply@example.com`, on one line. */
export const mailbox = () =>
  z
    .string()
    .regex(
      /^(?:[^<>\r\n@]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/,
      'expected an address such as no-reply@example.com or "Warden <no-reply@example.com>"',
    );
