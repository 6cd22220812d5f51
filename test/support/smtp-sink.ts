import type { AddressInfo } from 'node:net';

import { simpleParser, type AddressObject, type HeaderValue } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/** A mail as the sink received it, parsed by mailparser. */
export interface ReceivedMail {
  /** The envelope (MAIL FROM, RCPT TO), lowercased: where the mail was really sent. */
  envelope: { from: string; to: string[] };
  /** The header addresses, lowercased. */
  from: string[];
  to: string[];
  subject: string;
  text: string;
  /** Empty when the mail has no HTML part. */
  html: string;
  /** Header names in lower case. */
  headers: Map<string, HeaderValue>;
  raw: string;
  /** The user of SMTP AUTH, when the client authenticated. */
  authUser?: string;
}

export interface MailMatch {
  to: string;
  subject?: RegExp;
}

/** Where the sink refuses a mail, with a temporary failure (451) unless told otherwise. */
export interface Refusal {
  at: 'rcpt' | 'data';
  code?: number;
}

interface Waiter {
  match: MailMatch;
  resolve(mail: ReceivedMail): void;
}

/**
 * A real SMTP server on 127.0.0.1 for specs: plain SMTP (no STARTTLS), any or no credentials
 * accepted, so that `smtp://127.0.0.1:PORT` and `smtp://user:pass@127.0.0.1:PORT` both work as
 * nodemailer URLs. A mail is parsed before the server accepts it: once the sender hears 250, it is
 * in `messages`.
 */
export class SmtpSink {
  /** Every mail received, in order, whether or not a `waitForMail` took it. */
  readonly messages: ReceivedMail[] = [];
  private refused = 0;
  private readonly taken = new Set<ReceivedMail>();
  private waiters: Waiter[] = [];

  private readonly server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 10,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onRcptTo: (_address, _session, callback) => callback(this.refusalAt('rcpt')),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = this.refusalAt('data');
        if (refused) {
          callback(refused);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '',
          to: session.envelope.rcptTo.map((address) => address.address.toLowerCase()),
        };
        const authUser = typeof session.user === 'string' ? session.user : undefined;
        simpleParser(raw).then(
          (parsed) => {
            this.receive({
              envelope,
              from: addressesOf(parsed.from),
              to: addressesOf(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html || '',
              headers: parsed.headers,
              raw,
              authUser,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  private listeningOn = 0;

  private constructor(private refusal?: Refusal) {}

  /** Listens on `port` (to start again where a stopped sink was), or on a free one. */
  static async start({
    port = 0,
    refuse,
  }: { port?: number; refuse?: Refusal } = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(refuse);
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(port, '127.0.0.1', () => {
        sink.server.off('error', reject);
        resolve();
      });
    });
    sink.listeningOn = (sink.server.server.address() as AddressInfo).port;
    return sink;
  }

  get port(): number {
    return this.listeningOn;
  }

  /** The attempts refused by `refuse`, counted at RCPT TO (each recipient) or DATA. */
  get refusedAttempts(): number {
    return this.refused;
  }

  /** A transport URL for nodemailer (and MAIL_URL). */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Refuses every mail from now on (an outage the sender can see), until `accept`. */
  refuse(refusal: Refusal = { at: 'rcpt' }): void {
    this.refusal = refusal;
  }

  accept(): void {
    this.refusal = undefined;
  }

  /**
   * The first mail to `match.to` (envelope or header, any case) whose subject matches, that no
   * earlier call took, as soon as it arrives; it is taken. Fails after `timeoutMs`, listing what
   * did arrive.
   */
  waitForMail(match: MailMatch, { timeoutMs = 5_000 } = {}): Promise<ReceivedMail> {
    const arrived = this.messages.find((mail) => !this.taken.has(mail) && matches(mail, match));
    if (arrived) {
      this.taken.add(arrived);
      return Promise.resolve(arrived);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (mail) => {
          clearTimeout(timer);
          resolve(mail);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(
          new Error(
            `No mail to ${match.to}${match.subject ? ` with a subject matching ${String(match.subject)}` : ''} within ${timeoutMs} ms; received: ${this.describeMessages()}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Fails if a mail to `to` that no `waitForMail` took arrives, or has arrived, within `forMs`.
   * It waits the whole time: use it sparingly, with a short time.
   */
  async expectNoMail(to: string, { forMs = 500 } = {}): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, forMs));
    const unexpected = this.messages.filter(
      (mail) => !this.taken.has(mail) && matches(mail, { to }),
    );
    if (unexpected.length > 0) {
      throw new Error(
        `Expected no mail to ${to}, got ${unexpected.length}: ${unexpected.map((mail) => JSON.stringify(mail.subject)).join(', ')}`,
      );
    }
  }

  /** Stops listening and drops open connections; `SmtpSink.start({ port })` listens again. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `stop`, named like a test app's, for `afterAll`. */
  close(): Promise<void> {
    return this.stop();
  }

  private refusalAt(stage: Refusal['at']): SMTPServerError | null {
    if (this.refusal?.at !== stage) {
      return null;
    }
    this.refused += 1;
    const code = this.refusal.code ?? 451;
    return Object.assign(new Error(`${code === 451 ? 'Try again later' : 'Refused'} (SmtpSink)`), {
      responseCode: code,
    });
  }

  private receive(mail: ReceivedMail): void {
    this.messages.push(mail);
    const waiter = this.waiters.find((candidate) => matches(mail, candidate.match));
    if (waiter) {
      this.waiters = this.waiters.filter((other) => other !== waiter);
      this.taken.add(mail);
      waiter.resolve(mail);
    }
  }

  private describeMessages(): string {
    if (this.messages.length === 0) {
      return 'nothing';
    }
    return this.messages
      .map(
        (mail) =>
          `${JSON.stringify(mail.subject)} to ${mail.envelope.to.join(', ')}${this.taken.has(mail) ? ' (taken)' : ''}`,
      )
      .join('; ');
  }
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((object) => object.value)
    .flatMap((address) => (address.address ? [address.address.toLowerCase()] : []));
}

function matches(mail: ReceivedMail, { to, subject }: MailMatch): boolean {
  const address = to.toLowerCase();
  return (
    (mail.envelope.to.includes(address) || mail.to.includes(address)) &&
    (!subject || subject.test(mail.subject))
  );
}

/** The URLs with `?token=` in a text, `&amp;` decoded for HTML, without trailing punctuation. */
function tokenLinksIn(text: string): string[] {
  const links = text
    .replace(/&amp;/g, '&')
    .match(/https?:\/\/[^\s"'<>]+/g)
    ?.map((link) => link.replace(/[.,;:!?)\]]+$/, ''))
    .filter((link) => URL.canParse(link) && new URL(link).searchParams.has('token'));
  return [...new Set(links)];
}

/**
 * The one link with a `token` query parameter that the mail carries: the text part must hold
 * exactly one, and the HTML part (when there is one) the same one and no other.
 */
export function linkIn(mail: ReceivedMail): string {
  const inText = tokenLinksIn(mail.text);
  if (inText.length !== 1) {
    throw new Error(
      `Expected one link with a token in the text of ${JSON.stringify(mail.subject)}, found ${inText.length}: ${inText.join(' ')}\n${mail.text}`,
    );
  }
  const [link] = inText;
  if (mail.html) {
    const inHtml = tokenLinksIn(mail.html);
    if (inHtml.length !== 1 || inHtml[0] !== link) {
      throw new Error(
        `The HTML part of ${JSON.stringify(mail.subject)} should link to ${link} only; it has: ${inHtml.join(' ') || 'no link with a token'}`,
      );
    }
  }
  return link;
}

/** The `token` parameter of the mail's one link (see `linkIn`). */
export function tokenIn(mail: ReceivedMail): string {
  return new URL(linkIn(mail)).searchParams.get('token')!;
}

/** The mails `sink` received for `address` whose subject matches, taken by a wait or not. */
export function mailsTo(sink: SmtpSink, address: string, subject = /./): ReceivedMail[] {
  const to = address.toLowerCase();
  return sink.messages.filter(
    (mail) => (mail.envelope.to.includes(to) || mail.to.includes(to)) && subject.test(mail.subject),
  );
}

/** Every distinct http(s) URL in the text and HTML parts: a mail carries at most one link. */
export function urlsIn(mail: ReceivedMail): string[] {
  const found = `${mail.text}\n${mail.html.replace(/&amp;/g, '&')}`.match(/https?:\/\/[^\s"'<>]+/g);
  return [...new Set(found ?? [])];
}

/** A test app's mail settings: through `sink`, with no limit or cooldown in the way of a spec. */
export function mailEnv(sink: SmtpSink, env: Record<string, string> = {}): Record<string, string> {
  return {
    MAIL_URL: sink.url,
    RATE_LIMIT_MAIL: '100000/60s',
    RATE_LIMIT_LINK: '100000/60s',
    MAIL_COOLDOWN: '0',
    ...env,
  };
}
