import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

import { MailTransport } from 'src/mail/mail-transport';

/** An SMTP server as `smtp-server` starts by default: it offers STARTTLS with a self-signed cert. */
async function startServerOfferingStartTls(): Promise<{
  url: string;
  received: string[];
  close(): Promise<void>;
}> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: false,
    logger: false,
    onData(stream, session, callback) {
      received.push(session.envelope.rcptTo.map((rcpt) => rcpt.address).join(','));
      stream.on('data', () => undefined);
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('MailTransport', () => {
  it('should send through a relay on this machine that offers STARTTLS with a self-signed certificate', async () => {
    const server = await startServerOfferingStartTls();
    const transport = new MailTransport(server.url, 'Warden <no-reply@localhost>');
    try {
      await expect(
        transport.send({
          id: '1',
          to: 'ada@example.com',
          subject: 'Hi',
          text: 'text',
          html: '<p>html</p>',
        }),
      ).resolves.toEqual({ kind: 'smtp' });
      expect(server.received).toEqual(['ada@example.com']);
    } finally {
      transport.close();
      await server.close();
    }
  });
});
