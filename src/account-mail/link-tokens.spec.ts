import { LinkTokens } from 'src/account-mail/link-tokens';
import { setClockAhead } from 'test/support/clock';
import { registerUser } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('LinkTokens', () => {
  let t: TestApp;
  let links: LinkTokens;

  beforeAll(async () => {
    t = await startTestApp();
    links = t.app.get(LinkTokens);
  });

  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  async function record() {
    const { user } = await registerUser(t.http);
    return { userId: user!.id, purpose: 'reset_password' as const, email: user!.email };
  }

  it('should replace a link without a cooldown even when the last one was stamped later', async () => {
    const link = await record();
    // Two requests whose work overlaps: the one that read the clock later is written first.
    setClockAhead(t.app, 5);
    const first = await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 0 });
    jest.restoreAllMocks();

    const second = await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 0 });

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    await expect(links.peek(first, ['reset_password'])).rejects.toMatchObject({
      code: 'invalid_link_token',
    });
    await expect(links.peek(second, ['reset_password'])).resolves.toEqual(link);
  });

  it('should keep the link within the cooldown, and replace it after', async () => {
    const link = await record();
    const first = await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 60 });

    expect(await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 60 })).toBeUndefined();
    setClockAhead(t.app, 61);
    const later = await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 60 });

    expect(later).toBeDefined();
    await expect(links.peek(first, ['reset_password'])).rejects.toMatchObject({
      code: 'invalid_link_token',
    });
  });

  it('should replace the link to another address at once, cooldown or not', async () => {
    const link = await record();
    await links.issue(link, { ttlSeconds: 3600, cooldownSeconds: 60 });

    const elsewhere = await links.issue(
      { ...link, purpose: 'reset_password', email: `other-${link.email}` },
      { ttlSeconds: 3600, cooldownSeconds: 60 },
    );

    expect(elsewhere).toBeDefined();
  });
});
