import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  MAIL_KINDS,
  MailTemplateError,
  MailTemplates,
  type MailKind,
} from 'src/mail/mail-templates';

const LINK = 'https://app.example.com/account/reset-password?token=abc_DEF-123';

function resetValues(overrides: Partial<Record<'email' | 'link' | 'expiresIn', string>> = {}) {
  return { email: 'ada@example.com', link: LINK, expiresIn: '1 hour', ...overrides };
}

function setup(files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-templates-'));
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(dir, name), body);
  }
  return { dir, load: () => MailTemplates.load(dir) };
}

/** The error `load` throws, so that its message can be looked at. */
function loadError(files: Record<string, string>): Error {
  const { dir, load } = setup(files);
  try {
    load();
  } catch (error) {
    return error as Error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the templates loaded');
}

describe(MailTemplates.name, () => {
  describe('load', () => {
    it('should load and check the built-in templates of every kind', () => {
      const templates = MailTemplates.load();

      for (const kind of Object.keys(MAIL_KINDS) as MailKind[]) {
        const values = Object.fromEntries(
          MAIL_KINDS[kind].values.map((name) => [name, `<${name}>`]),
        ) as never;
        const mail = templates.render(kind, values);

        expect(mail.subject).not.toBe('');
        expect(mail.text).not.toMatch(/\{\{/);
        expect(mail.html).not.toMatch(/\{\{/);
        expect(mail.html).toMatch(/^<!doctype html>/);
        if (MAIL_KINDS[kind].link) {
          expect(mail.text.split('<link>')).toHaveLength(2);
          expect(mail.html.split('&lt;link&gt;')).toHaveLength(2);
        }
      }
    });

    it('should replace a built-in template file by the file of the same name, and only that one', () => {
      const { dir, load } = setup({ 'reset-password.subject.txt': '  Acme: reset {{ email }}\n' });

      const mail = load().render('reset-password', resetValues());

      expect(mail.subject).toBe('Acme: reset ada@example.com');
      expect(mail.text).toContain('To choose a new password, open this link:');
      rmSync(dir, { recursive: true, force: true });
    });

    it('should refuse a MAIL_TEMPLATES_DIR that does not exist, naming it', () => {
      const missing = join(tmpdir(), 'warden-templates-that-are-not-there');

      expect(() => MailTemplates.load(missing)).toThrow(MailTemplateError);
      expect(() => MailTemplates.load(missing)).toThrow(/MAIL_TEMPLATES_DIR: .*not-there/);
    });

    it.each([
      [
        'an unknown value',
        'reset-password.html',
        '<p>{{email}} {{link}} {{secret}}</p>',
        /unknown \{\{secret\}\}/,
      ],
      [
        'a link mail without its link',
        'reset-password.txt',
        'Hello {{email}}',
        /\{\{link\}\} exactly once/,
      ],
      [
        'a link mail with two links',
        'verify-email.html',
        '{{link}} {{ link }}',
        /\{\{link\}\} exactly once/,
      ],
      [
        'a link in a subject',
        'reset-password.subject.txt',
        'Reset {{link}}',
        /\{\{link\}\} nowhere/,
      ],
      [
        'a link in a mail without one',
        'password-changed.txt',
        '{{email}}: {{link}}',
        /unknown \{\{link\}\}/,
      ],
      [
        'a value of another kind',
        'password-changed.html',
        '{{email}} {{expiresIn}}',
        /unknown \{\{expiresIn\}\}/,
      ],
    ])('should refuse %s, naming the file', (_, file, body, problem) => {
      const error = loadError({ [file]: body });

      expect(error).toBeInstanceOf(MailTemplateError);
      expect(error.message).toContain(file);
      expect(error.message).toMatch(problem);
    });

    it('should list the values a template may use when it names another', () => {
      const error = loadError({ 'email-change-requested.txt': '{{email}} {{oldEmail}}' });

      expect(error.message).toContain('it may use {{email}}, {{newEmail}}');
    });
  });

  describe('render', () => {
    it('should escape values in the HTML part and leave them as they are in the text part', () => {
      const email = `"ada"<script>alert('x')</script>&@example.com`;
      const link = 'https://app.example.com/account/reset-password?token=a&b="c"';

      const mail = MailTemplates.load().render('reset-password', resetValues({ email, link }));

      expect(mail.html).toContain(
        '&quot;ada&quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;@example.com',
      );
      expect(mail.html).toContain(
        'href="https://app.example.com/account/reset-password?token=a&amp;b=&quot;c&quot;"',
      );
      expect(mail.html).not.toContain('<script>');
      expect(mail.text).toContain(email);
      expect(mail.text).toContain(link);
    });

    it('should put a value with line breaks on one line in the subject', () => {
      const { dir, load } = setup({ 'reset-password.subject.txt': 'Reset {{email}} now' });

      const mail = load().render(
        'reset-password',
        resetValues({ email: 'ada@example.com\r\nBcc: eve@example.com\n\rX: y' }),
      );

      expect(mail.subject).toBe('Reset ada@example.com Bcc: eve@example.com X: y now');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      rmSync(dir, { recursive: true, force: true });
    });

    it('should fill every occurrence of a value, spaces inside the braces or not', () => {
      const { dir, load } = setup({
        'password-reset.txt': '{{email}} / {{ email }} / {{  email}}',
      });

      expect(load().render('password-reset', { email: 'ada@example.com' }).text).toBe(
        'ada@example.com / ada@example.com / ada@example.com',
      );
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
