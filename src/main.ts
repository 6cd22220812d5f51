import 'src/threadpool';
import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { ConfigValidationError } from 'src/config/env.schema';
import { createApp } from 'src/create-app';
import { DatabaseConnectionError } from 'src/database/connection-failures';
import { DatabaseInUseError } from 'src/database/pglite-driver';
import { MailTemplateError } from 'src/mail/mail-templates';

async function main(): Promise<void> {
  const { app, config } = await createApp();
  await app.listen({ port: config.port, host: config.host });
  const database = config.database.url
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL in ${config.dataDir}/pglite`;
  new Logger('Warden').log(
    `Listening on ${await app.getUrl()}; database: ${database}; API docs at /docs; mail: ${config.mail.logLinks ? `written to ${config.dataDir}/mail (MAIL_URL unset)` : 'MAIL_URL'}`,
  );
}

main().catch((error: unknown) => {
  // Problems for the operator to fix: say what is wrong, without a stack trace.
  const operatorError =
    error instanceof ConfigValidationError ||
    error instanceof DatabaseConnectionError ||
    error instanceof DatabaseInUseError ||
    error instanceof MailTemplateError;
  console.error(operatorError ? error.message : error);
  process.exit(1);
});
