import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createTransport, type Transporter } from 'nodemailer';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Where a mail went: the SMTP server, or the `.eml` file it was written to. */
export type Delivery = { kind: 'smtp' } | { kind: 'file'; path: string };

/**
 * Sends one mail through nodemailer: over SMTP (`smtp://`, STARTTLS when the server offers it;
 * `smtps://`, TLS from the start), or into a folder of `.eml` files (`file://`). Addresses and the
 * subject go to nodemailer as separate fields, which encodes them: no value can add a header.
 */
export class MailTransport {
  private readonly transporter: Transporter;
  private readonly directory?: string;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    if (url.startsWith('file:')) {
      this.directory = fileURLToPath(url);
      this.transporter = createTransport({
        streamTransport: true,
        buffer: true,
        newline: 'windows',
      });
    } else {
      this.transporter = createTransport({
        url,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
        // A relay on this machine (a local MTA, a development mail catcher) is reached without the
        // network: its certificate, often self-signed, protects nothing and is not checked.
        tls: isLoopback(new URL(url).hostname) ? { rejectUnauthorized: false } : undefined,
      });
    }
  }

  async send(mail: OutgoingMail): Promise<Delivery> {
    const info = await this.transporter.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    if (!this.directory) {
      return { kind: 'smtp' };
    }
    mkdirSync(this.directory, { recursive: true });
    const path = join(
      this.directory,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`,
    );
    writeFileSync(path, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
    return { kind: 'file', path };
  }

  close(): void {
    this.transporter.close();
  }
}
