import { randomBytes } from 'node:crypto';

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import * as argon2 from 'argon2';

import { ServiceUnavailableError } from 'src/common/app-error';
import { FairQueue, QueueFullError } from 'src/users/fair-queue';

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMETERS: Argon2Parameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export interface HashingLimits {
  /** Hashes that run at once (PASSWORD_HASH_CONCURRENCY). */
  concurrency: number;
  /** Hashes that may wait for a slot (PASSWORD_HASH_QUEUE). */
  queue: number;
}

/** The queue's refusal as the 503 the client gets; any other error as it is. */
function asProblem(error: unknown): unknown {
  return error instanceof QueueFullError
    ? new ServiceUnavailableError(
        'Too many password checks are waiting; try again shortly.',
        error.retryAfterSeconds,
      )
    : error;
}

/** Who asks for a hash, for fairness: a client address (IPv6 by /64), or a name such as `cli`. */
export type HashingParty = string | null;

/**
 * argon2id, bounded: at most `concurrency` hashes run at once and a bounded queue waits, served
 * fairly between parties; beyond it a caller gets 503 `service_unavailable` with `Retry-After`.
 * So a flood of logins costs the flooder, not the other users, and never the memory of the host.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private decoyHash?: Promise<string>;
  private readonly queue: FairQueue;

  constructor(
    limits: HashingLimits,
    private readonly parameters: Argon2Parameters = ARGON2_PARAMETERS,
  ) {
    this.queue = new FairQueue(limits.concurrency, limits.queue);
  }

  onModuleInit(): void {
    this.decoyHash = this.hashNow(randomBytes(32).toString('base64url'));
  }

  /** Hashes waiting for a slot. */
  get queueDepth(): number {
    return this.queue.depth;
  }

  /**
   * Answers 503 at once when a hash for `party` would be shed: a sign-in checks this before it
   * reads or counts anything, so a flood that the queue cannot take costs next to nothing.
   */
  assertCanHash(party: HashingParty): void {
    try {
      this.queue.assertWouldTake(this.partyKey(party));
    } catch (error) {
      throw asProblem(error);
    }
  }

  hash(password: string, party: HashingParty): Promise<string> {
    return this.bounded(party, () => this.hashNow(password));
  }

  verify(hash: string, password: string, party: HashingParty): Promise<boolean> {
    return this.bounded(party, () => this.verifyNow(hash, password));
  }

  /** Spends the work of one verification, for a password check whose account does not exist. */
  async verifyDecoy(password: string, party: HashingParty): Promise<void> {
    this.decoyHash ??= this.hashNow(randomBytes(32).toString('base64url'));
    const decoy = await this.decoyHash;
    await this.bounded(party, () => this.verifyNow(decoy, password));
  }

  /** True when the hash was made with other parameters than today's. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, { ...this.parameters });
    } catch {
      return true;
    }
  }

  private async bounded<T>(party: HashingParty, work: () => Promise<T>): Promise<T> {
    try {
      return await this.queue.run(this.partyKey(party), work);
    } catch (error) {
      throw asProblem(error);
    }
  }

  private partyKey(party: HashingParty): string {
    return party ? normalizeIp(party) : 'unknown';
  }

  private hashNow(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  private async verifyNow(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
