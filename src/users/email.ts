import { isEmail } from 'class-validator';

export const EMAIL_MAX_LENGTH = 254;

/** Control characters and format characters: zero-width spaces and joiners, bidi overrides, … */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}]/u;

/** Fullwidth forms of ASCII (U+FF01–U+FF5E) and the ideographic space. */
const FULLWIDTH = /[\uFF01-\uFF5E\u3000]/g;

function toHalfwidth(character: string): string {
  const code = character.charCodeAt(0);
  return code === 0x3000 ? ' ' : String.fromCharCode(code - 0xfee0);
}

/**
 * The one spelling of an email address under which accounts are stored, looked up, rate-limited
 * and backed off: fullwidth letters mapped to ASCII, trimmed, NFC-normalised and lower-cased. So
 * `ＡＤＡ@example.com`, ` Ada@Example.com ` and `ada@example.com` are one address.
 */
export function canonicalEmail(email: string): string {
  return email.replace(FULLWIDTH, toHalfwidth).trim().normalize('NFC').toLowerCase();
}

/**
 * How accounts registered before fullwidth forms were mapped spell their address. The migration
 * that introduced `canonicalEmail` rewrote such rows, except where two accounts would have become
 * one; those keep this spelling, and logging in with it still finds them.
 */
export function legacyEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Why the text cannot be an account's email address, or undefined if it can. */
export function emailProblem(value: unknown, field = 'email'): string | undefined {
  if (typeof value !== 'string') {
    return `${field} must be an email address`;
  }
  if (INVISIBLE_OR_CONTROL.test(value)) {
    return `${field} must not contain control, invisible or bidirectional-override characters`;
  }
  const canonical = canonicalEmail(value);
  if (canonical.length > EMAIL_MAX_LENGTH) {
    return `${field} must be at most ${EMAIL_MAX_LENGTH} characters long`;
  }
  return isEmail(canonical) ? undefined : `${field} must be an email address`;
}
