import { Injectable } from '@nestjs/common';

import { Clock } from 'src/common/clock';
import type { SqlExecutor } from 'src/database/sql';
import { MailOutboxRepository } from 'src/mail/mail-outbox.repository';
import { MailTemplates, type MailKind, type MailValues } from 'src/mail/mail-templates';

/**
 * Queues mail: the message is rendered and written to the outbox in the caller's transaction, so
 * it leaves if and only if the change that needs it is committed; `MailWorker` delivers it.
 */
@Injectable()
export class MailOutbox {
  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly templates: MailTemplates,
    private readonly clock: Clock,
  ) {}

  async enqueue<Kind extends MailKind>(
    kind: Kind,
    to: string,
    values: MailValues<Kind>,
    db?: SqlExecutor,
  ): Promise<void> {
    const mail = this.templates.render(kind, values);
    await this.outbox.insert({ template: kind, recipient: to, ...mail }, this.clock.now(), db);
  }
}
