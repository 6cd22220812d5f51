/** The one spelling of an email address under which it is stored and looked up. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
