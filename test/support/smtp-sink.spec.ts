import { createTransport } from 'nodemailer';

import { linkIn, SmtpSink, tokenIn } from 'test/support/smtp-sink';

const LINK = 'http://127.0.0.1:3000/account/verify?token=abc.DEF-123_x';

function send(url: string, mail: { to: string; subject: string; text: string; html?: string }) {
  const transport = createTransport({ url, connectionTimeout: 2_000, greetingTimeout: 2_000 });
  return transport
    .sendMail({ from: 'Warden <no-reply@warden.test>', ...mail })
    .finally(() => transport.close());
}

describe(SmtpSink.name, () => {
  let sink: SmtpSink;

  beforeEach(async () => {
    sink = await SmtpSink.start();
  });

  afterEach(async () => {
    await sink.stop();
  });

  it('should receive what nodemailer sends, with and without credentials, and parse it', async () => {
    await send(sink.url, {
      to: 'Ada <Ada@Example.com>',
      subject: 'Verify your address',
      text: `Open ${LINK} to verify.`,
      html: `<p><a href="${LINK}">Verify</a></p>`,
    });
    const withCredentials = sink.url.replace('smtp://', 'smtp://warden:s3cret@');
    await send(withCredentials, { to: 'bob@example.com', subject: 'Hello', text: 'No link' });

    const ada = await sink.waitForMail({ to: 'ada@example.com', subject: /^Verify/ });
    const bob = await sink.waitForMail({ to: 'BOB@example.com' });

    expect(ada).toMatchObject({
      envelope: { from: 'no-reply@warden.test', to: ['ada@example.com'] },
      from: ['no-reply@warden.test'],
      to: ['ada@example.com'],
      subject: 'Verify your address',
      text: `Open ${LINK} to verify.`,
      html: expect.stringContaining(`href="${LINK}"`),
    });
    expect(ada.headers.get('subject')).toBe('Verify your address');
    expect(ada.raw).toMatch(/^Subject: Verify your address\r$/m);
    expect(ada.authUser).toBeUndefined();
    expect(bob).toMatchObject({ authUser: 'warden', html: '' });
    expect(linkIn(ada)).toBe(LINK);
    expect(tokenIn(ada)).toBe('abc.DEF-123_x');
    expect(sink.messages).toEqual([ada, bob]);
  });

  it('should resolve a wait when the mail arrives later, and give each mail to one wait only', async () => {
    const first = sink.waitForMail({ to: 'carol@example.com' }, { timeoutMs: 2_000 });
    const second = sink.waitForMail({ to: 'carol@example.com' }, { timeoutMs: 2_000 });

    await send(sink.url, { to: 'carol@example.com', subject: 'One', text: 'one' });
    await send(sink.url, { to: 'carol@example.com', subject: 'Two', text: 'two' });

    expect((await first).subject).toBe('One');
    expect((await second).subject).toBe('Two');
    await expect(sink.waitForMail({ to: 'carol@example.com' }, { timeoutMs: 100 })).rejects.toThrow(
      'No mail to carol@example.com within 100 ms; received: "One" to carol@example.com (taken); "Two" to carol@example.com (taken)',
    );
  });

  it('should tell when a mail that no wait took arrived for an address', async () => {
    await sink.expectNoMail('dave@example.com', { forMs: 50 });
    await send(sink.url, { to: 'dave@example.com', subject: 'Unexpected', text: 'x' });

    await expect(sink.expectNoMail('dave@example.com', { forMs: 50 })).rejects.toThrow(
      'Expected no mail to dave@example.com, got 1: "Unexpected"',
    );
    await sink.waitForMail({ to: 'dave@example.com' });
    await sink.expectNoMail('dave@example.com', { forMs: 50 });
  });

  it('should insist on one token link, the same in the text and the HTML', async () => {
    const other = LINK.replace('abc', 'xyz');
    await send(sink.url, { to: 'a@example.com', subject: 'Two links', text: `${LINK} ${other}` });
    await send(sink.url, {
      to: 'b@example.com',
      subject: 'Different HTML',
      text: LINK,
      html: `<a href="${other}">x</a>`,
    });
    await send(sink.url, { to: 'c@example.com', subject: 'No link', text: 'http://x.test/' });

    expect(() => linkIn(sink.messages[0])).toThrow(/found 2/);
    expect(() => linkIn(sink.messages[1])).toThrow(`should link to ${LINK} only; it has: ${other}`);
    expect(() => tokenIn(sink.messages[2])).toThrow(/found 0/);
  });

  it.each(['rcpt', 'data'] as const)(
    'should refuse mail at %s with 451 until told to accept again',
    async (at) => {
      sink.refuse({ at });

      await expect(
        send(sink.url, { to: 'erin@example.com', subject: 'Refused', text: 'x' }),
      ).rejects.toMatchObject({ responseCode: 451 });
      sink.accept();
      await send(sink.url, { to: 'erin@example.com', subject: 'Accepted', text: 'x' });

      expect(sink.refusedAttempts).toBe(1);
      expect(sink.messages.map((mail) => mail.subject)).toEqual(['Accepted']);
    },
  );

  it('should stop listening, and start again on the same port', async () => {
    const { port, url } = sink;
    await sink.stop();

    await expect(
      send(url, { to: 'frank@example.com', subject: 'Lost', text: 'x' }),
    ).rejects.toThrow(/ECONNREFUSED/);
    sink = await SmtpSink.start({ port });
    await send(url, { to: 'frank@example.com', subject: 'Back', text: 'x' });

    expect(sink.url).toBe(url);
    expect((await sink.waitForMail({ to: 'frank@example.com' })).subject).toBe('Back');
  });
});
