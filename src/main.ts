import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { ConfigValidationError } from 'src/config/env.schema';
import { createApp } from 'src/create-app';

async function main(): Promise<void> {
  const { app, config } = await createApp();
  await app.listen({ port: config.port, host: config.host });
  const database = config.database.url
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL in ${config.dataDir}/pglite`;
  new Logger('Warden').log(
    `Listening on ${await app.getUrl()}; database: ${database}; API docs at /docs`,
  );
}

main().catch((error: unknown) => {
  // A configuration problem is the operator's to fix: say what is wrong, without a stack trace.
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
