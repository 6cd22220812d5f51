// Prints the link of the newest mail Warden wrote in development (MAIL_URL unset: DATA_DIR/mail),
// or of the newest mail to the address given as the first argument:
//   node dist/scripts/latest-mail-link.js [ada@example.com]   (built by npm start)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = join(process.env.DATA_DIR ?? 'data', 'mail');
const to = process.argv[2]?.toLowerCase();

// Quoted-printable, as nodemailer writes long lines: soft line breaks, then escaped bytes.
const decode = (text: string): string =>
  text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

const mails = readdirSync(folder)
  .filter((name) => name.endsWith('.eml'))
  .sort()
  .reverse()
  .map((name) => decode(readFileSync(join(folder, name), 'utf8')));
const mail = mails.find(
  (text) => !to || new RegExp(`^To: ${to.replace(/[.+]/g, '\\$&')}\\r?$`, 'im').test(text),
);
const link = mail && /https?:\/\/\S+?token=[\w-]{43}/.exec(mail)?.[0];
if (!link) {
  console.error(`No mail with a link${to ? ` to ${to}` : ''} in ${folder}`);
  process.exit(1);
}
console.log(link);
