import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every kind of mail Warden sends, with the values its templates may use. */
export const MAIL_KINDS = {
  'verify-email': { link: true, values: ['email', 'link', 'expiresIn'] },
  'confirm-email-change': { link: true, values: ['email', 'link', 'expiresIn'] },
  'email-change-requested': { link: false, values: ['email', 'newEmail'] },
  'reset-password': { link: true, values: ['email', 'link', 'expiresIn'] },
  'password-changed': { link: false, values: ['email'] },
  'password-reset': { link: false, values: ['email'] },
} as const satisfies Record<string, { link: boolean; values: readonly string[] }>;

export type MailKind = keyof typeof MAIL_KINDS;

export type MailValues<Kind extends MailKind> = Record<
  (typeof MAIL_KINDS)[Kind]['values'][number],
  string
>;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Template {
  subject: string;
  text: string;
  html: string;
}

const BUILT_IN_DIR = join(__dirname, 'templates');
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

function fill(template: string, values: Record<string, string>, escape: (v: string) => string) {
  return template.replace(PLACEHOLDER, (_, name: string) => escape(values[name]));
}

export class MailTemplateError extends Error {}

/**
 * The subject, text and HTML of each kind of mail: the built-in files in `templates/`, each one
 * replaceable by a file of the same name in MAIL_TEMPLATES_DIR. All are read and checked once, at
 * boot: a template that names an unknown value, or a link mail without exactly one `{{link}}` in
 * each part, stops the boot with the file's name.
 */
export class MailTemplates {
  private constructor(private readonly templates: Map<MailKind, Template>) {}

  static load(overridesDir?: string): MailTemplates {
    if (overridesDir && !existsSync(overridesDir)) {
      throw new MailTemplateError(`MAIL_TEMPLATES_DIR: ${overridesDir} does not exist`);
    }
    const pathOf = (file: string): string => {
      const override = overridesDir && join(overridesDir, file);
      return override && existsSync(override) ? override : join(BUILT_IN_DIR, file);
    };
    const read = (file: string): string => readFileSync(pathOf(file), 'utf8');
    const templates = new Map<MailKind, Template>();
    for (const kind of Object.keys(MAIL_KINDS) as MailKind[]) {
      const template = {
        subject: read(`${kind}.subject.txt`).trim(),
        text: read(`${kind}.txt`),
        html: read(`${kind}.html`),
      };
      MailTemplates.check(kind, template, (suffix) => pathOf(`${kind}${suffix}`));
      templates.set(kind, template);
    }
    return new MailTemplates(templates);
  }

  render<Kind extends MailKind>(kind: Kind, values: MailValues<Kind>): RenderedMail {
    const template = this.templates.get(kind)!;
    const plain = (value: string) => value.replace(/[\r\n]+/g, ' ');
    return {
      subject: fill(template.subject, values, plain),
      text: fill(template.text, values, (value) => value),
      html: fill(template.html, values, escapeHtml),
    };
  }

  private static check(
    kind: MailKind,
    template: Template,
    pathOf: (suffix: string) => string,
  ): void {
    const { link, values } = MAIL_KINDS[kind];
    const where = (suffix: string) => `mail template ${pathOf(suffix)}`;
    const parts: [string, string][] = [
      ['.subject.txt', template.subject],
      ['.txt', template.text],
      ['.html', template.html],
    ];
    for (const [suffix, body] of parts) {
      const used = [...body.matchAll(PLACEHOLDER)].map((match) => match[1]);
      const unknown = used.filter((name) => !(values as readonly string[]).includes(name));
      if (unknown.length > 0) {
        throw new MailTemplateError(
          `${where(suffix)}: unknown {{${unknown[0]}}}; it may use ${values.map((v) => `{{${v}}}`).join(', ')}`,
        );
      }
      const links = used.filter((name) => name === 'link').length;
      const expected = link && suffix !== '.subject.txt' ? 1 : 0;
      if (links !== expected) {
        throw new MailTemplateError(
          `${where(suffix)}: must contain {{link}} ${expected === 1 ? 'exactly once' : 'nowhere'}`,
        );
      }
    }
  }
}
