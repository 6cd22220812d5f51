import { createHash, randomBytes } from 'node:crypto';

import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import {
  LinkTokensRepository,
  type LinkPurpose,
  type LinkTokenRecord,
} from 'src/account-mail/link-tokens.repository';
import { AppError } from 'src/common/app-error';
import { Clock } from 'src/common/clock';
import { deleteInBatches } from 'src/database/batches';
import type { SqlExecutor } from 'src/database/sql';

export type { LinkPurpose, LinkTokenRecord } from 'src/account-mail/link-tokens.repository';

/** 256 random bits in base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Every bad link token gets this one answer: malformed, unknown, used, expired or foreign. */
export class InvalidLinkTokenError extends AppError {
  constructor() {
    super(
      HttpStatus.BAD_REQUEST,
      'invalid_link_token',
      'This link is invalid, has been used, or has expired. Ask for a new one.',
    );
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The token of a request body, whatever was sent, or `InvalidLinkTokenError`. */
function parse(token: unknown): string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    throw new InvalidLinkTokenError();
  }
  return token;
}

/**
 * The tokens of mailed links: 256 random bits, stored as SHA-256 only, each bound to one user, one
 * purpose and the address it was sent to, used once, replaced by the next of its purpose.
 */
@Injectable()
export class LinkTokens {
  private readonly logger = new Logger(LinkTokens.name);

  constructor(
    private readonly tokens: LinkTokensRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * A new token for `record`, valid for `ttlSeconds`, or undefined when a link of this purpose went
   * to this address less than `cooldownSeconds` ago (that one stays valid).
   */
  async issue(
    record: LinkTokenRecord,
    { ttlSeconds, cooldownSeconds }: { ttlSeconds: number; cooldownSeconds: number },
    db?: SqlExecutor,
  ): Promise<string | undefined> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const issued = await this.tokens.issue(
      record,
      digest(token),
      {
        now,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        cooldownCutoff:
          cooldownSeconds > 0 ? new Date(now.getTime() - cooldownSeconds * 1000) : undefined,
      },
      db,
    );
    return issued ? token : undefined;
  }

  /** What a valid token of one of `purposes` is for, without using it up. */
  async peek(token: unknown, purposes: LinkPurpose[]): Promise<LinkTokenRecord> {
    const found = await this.tokens.find(digest(parse(token)), purposes, this.clock.now());
    if (!found) {
      throw new InvalidLinkTokenError();
    }
    return found;
  }

  /** Uses the token up and says what it was for; `InvalidLinkTokenError` if it is not valid. */
  async consume(
    token: unknown,
    purposes: LinkPurpose[],
    db?: SqlExecutor,
  ): Promise<LinkTokenRecord> {
    const used = await this.tokens.consume(digest(parse(token)), purposes, this.clock.now(), db);
    if (!used) {
      throw new InvalidLinkTokenError();
    }
    return used;
  }

  /** Ends the user's outstanding links of these purposes. */
  revoke(userId: string, purposes: LinkPurpose[], db?: SqlExecutor): Promise<void> {
    return this.tokens.deleteOfUser(userId, purposes, db);
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'link-tokens-cleanup' })
  async deleteExpired(): Promise<void> {
    const now = this.clock.now();
    try {
      await deleteInBatches((limit) => this.tokens.deleteExpired(now, limit));
    } catch (error) {
      this.logger.error(error, 'Deleting expired link tokens failed; the next run tries again');
    }
  }
}
