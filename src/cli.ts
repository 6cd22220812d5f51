import 'reflect-metadata';

import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { isEmail } from 'class-validator';

import { PasswordReset } from 'src/account/password-reset.service';
import { UserAdministration } from 'src/admin/user-administration.service';
import { AppModule } from 'src/app.module';
import { ValidationFailedError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { parseEnv, readProcessEnv } from 'src/config/env.schema';
import { canonicalEmail } from 'src/users/email';
import { UsersService } from 'src/users/users.service';

const USAGE = `Usage: npm run cli -- <command> --email <email>

Commands:
  create-admin         Creates an administrator, or gives an existing account the admin role
                       (keeping its password). The password of a new account is read from
                       WARDEN_ADMIN_PASSWORD or, if that is not set, from standard input, never
                       from the command line:
                         printf '%s' "$PASSWORD" | npm run cli -- create-admin --email admin@example.com
  disable-user         Disables the account and ends every session of it at once; a login with
                       the right password then answers 403 account_disabled.
  enable-user          Lets a disabled account log in again.
  reset-password-link  Prints a password-reset link for the account, to hand over when mail
                       cannot reach its owner; no mail is sent. The link replaces any earlier one
                       and works once, for PASSWORD_RESET_TTL.

Every command uses the same configuration as the server (DATABASE_URL, DATA_DIR, .env). On the
embedded database, stop the server first: only one process can open it.`;

/** What the CLI's changes record as their client in sessions' revocations and audit events. */
const CLI_CLIENT: ClientInfo = { ip: null, userAgent: 'warden-cli' };

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

function sessionCount(count: number): string {
  return `${count} session${count === 1 ? '' : 's'}`;
}

type Command = (app: INestApplicationContext, email: string, io: CliIo) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  'create-admin': async (app, email, io) => {
    const outcome = await app.get(UsersService).createAdmin(email, () => readPassword(io));
    io.print(
      outcome === 'created'
        ? `Created the administrator ${canonicalEmail(email)}.`
        : `${canonicalEmail(email)} already had an account; it is now an administrator (its password is unchanged).`,
    );
  },
  'disable-user': async (app, email, io) => {
    const { account, changed, endedSessions } = await app
      .get(UserAdministration)
      .setDisabledByEmail(email, true, CLI_CLIENT);
    io.print(
      `${changed ? `Disabled ${account.email}` : `${account.email} was disabled already`}; ${sessionCount(endedSessions)} ended.`,
    );
  },
  'enable-user': async (app, email, io) => {
    const { account, changed } = await app
      .get(UserAdministration)
      .setDisabledByEmail(email, false, CLI_CLIENT);
    io.print(changed ? `Enabled ${account.email}.` : `${account.email} was not disabled.`);
  },
  'reset-password-link': async (app, email, io) => {
    const reset = await app.get(PasswordReset).linkFor(email);
    if (!reset) {
      throw new Error(`There is no account with the email ${canonicalEmail(email)}.`);
    }
    io.print(
      `Password-reset link for ${canonicalEmail(email)} (works once, for ${reset.expiresIn}): ${reset.link}`,
    );
  },
};

async function run(command: Command, email: string, io: CliIo): Promise<void> {
  // Silent: a failure is reported once, by runCli, in the operator's terms (no Nest stack trace).
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(parseEnv(io.env)), {
    logger: false,
    abortOnError: false,
  });
  try {
    await command(app, email, io);
  } finally {
    // Also stops what the application runs in the background (the mail worker, the revocation
    // poll, the retention jobs), so that the process exits.
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
  const [name] = positionals;
  const command = Object.hasOwn(COMMANDS, name ?? '') ? COMMANDS[name] : undefined;
  if (
    values.help ||
    !command ||
    positionals.length > 1 ||
    !values.email ||
    !isEmail(values.email)
  ) {
    io.printError(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    await run(command, values.email, io);
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
