import { Module } from '@nestjs/common';

import { Clock } from 'src/common/clock';
import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { MailOutbox } from 'src/mail/mail-outbox';
import { MailOutboxRepository } from 'src/mail/mail-outbox.repository';
import { MailTemplates } from 'src/mail/mail-templates';
import { MailTransport } from 'src/mail/mail-transport';
import { MailWorker } from 'src/mail/mail-worker';

/** Mail: the outbox that requests write to, the templates, and the worker that delivers. */
@Module({
  providers: [
    MailOutbox,
    MailOutboxRepository,
    {
      provide: MailTemplates,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => MailTemplates.load(config.mail.templatesDir),
    },
    {
      provide: MailTransport,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new MailTransport(config.mail.url, config.mail.from),
    },
    {
      provide: MailWorker,
      inject: [MailOutboxRepository, MailTransport, Clock, APP_CONFIG],
      useFactory: (
        outbox: MailOutboxRepository,
        transport: MailTransport,
        clock: Clock,
        config: AppConfig,
      ) => new MailWorker(outbox, transport, clock, config.mail.logLinks),
    },
  ],
  exports: [MailOutbox],
})
export class MailModule {}
