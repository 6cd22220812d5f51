import 'reflect-metadata';

import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

import { NestFactory } from '@nestjs/core';
import { isEmail } from 'class-validator';

import { AppModule } from 'src/app.module';
import { ValidationFailedError } from 'src/common/app-error';
import { parseEnv, readProcessEnv } from 'src/config/env.schema';
import { canonicalEmail } from 'src/users/email';
import { UsersService } from 'src/users/users.service';

const USAGE = `Usage: npm run cli -- create-admin --email <email>

Creates an administrator, or gives an existing account the admin role (keeping its password).
The password of a new account is read from WARDEN_ADMIN_PASSWORD or, if that is not set, from
standard input, never from the command line:
  printf '%s' "$PASSWORD" | npm run cli -- create-admin --email admin@example.com
It uses the same configuration as the server (DATABASE_URL, DATA_DIR, .env). On the embedded
database, stop the server first: only one process can open it.`;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  print(line: string): void;
  printError(line: string): void;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const { stdin } = io;
  io.printError(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (done: () => void) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      done();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          return finish(() => resolve(typed));
        }
        if (char === '\u0003') {
          return finish(() => reject(new Error('Cancelled')));
        }
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(io: CliIo): Promise<string> {
  if (io.env.WARDEN_ADMIN_PASSWORD) {
    return io.env.WARDEN_ADMIN_PASSWORD;
  }
  if (io.stdin.isTTY) {
    return promptHidden(io, 'Password for the new administrator: ');
  }
  let input = '';
  for await (const chunk of io.stdin) {
    input += String(chunk);
  }
  return input.replace(/\r?\n$/, '');
}

async function createAdmin(email: string, io: CliIo): Promise<void> {
  // Silent: a failure is reported once, by runCli, in the operator's terms (no Nest stack trace).
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(parseEnv(io.env)), {
    logger: false,
    abortOnError: false,
  });
  try {
    const outcome = await app.get(UsersService).createAdmin(email, () => readPassword(io));
    io.print(
      outcome === 'created'
        ? `Created the administrator ${canonicalEmail(email)}.`
        : `${canonicalEmail(email)} already had an account; it is now an administrator (its password is unchanged).`,
    );
  } finally {
    await app.close();
  }
}

/** Runs one command and returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { email: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.printError(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [command] = positionals;
  if (values.help || command !== 'create-admin' || !values.email || !isEmail(values.email)) {
    io.printError(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    await createAdmin(values.email, io);
    return 0;
  } catch (error) {
    io.printError(
      error instanceof ValidationFailedError
        ? error.errors.map(({ message }) => message).join('\n')
        : error instanceof Error
          ? error.message
          : String(error),
    );
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    env: readProcessEnv(),
    stdin: process.stdin,
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  }).then((code) => {
    process.exitCode = code;
  });
}
