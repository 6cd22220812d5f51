import { AuditRetentionJob } from 'src/audit/audit-retention.job';
import { AuditService } from 'src/audit/audit.service';
import type { ClientInfo } from 'src/common/client-info.decorator';

import { setClockAhead } from 'test/support/clock';
import { startTestApp, type TestApp } from 'test/support/test-app';

const client: ClientInfo = { ip: '192.0.2.1', userAgent: 'spec' };

/** Against the real database (PostgreSQL with DATABASE_URL, the embedded one otherwise). */
describe(AuditRetentionJob.name, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_RETENTION: '180d' });
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('run', () => {
    it('should delete the events older than AUDIT_RETENTION, anonymous ones too, and keep the others', async () => {
      const audit = t.app.get(AuditService);
      setClockAhead(t.app, -181 * 86_400);
      await audit.record('login_failed', client);
      setClockAhead(t.app, -179 * 86_400);
      await audit.record('login_failed', client);
      jest.restoreAllMocks();

      const deleted = await t.app.get(AuditRetentionJob).run();

      expect(deleted).toBe(1);
      setClockAhead(t.app, 86_400 + 60);
      // The one of 179 days ago is now past the retention too; nothing else was left over.
      await expect(t.app.get(AuditRetentionJob).run()).resolves.toBe(1);
    });
  });
});
