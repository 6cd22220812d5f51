import { randomBytes } from 'node:crypto';

import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';

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

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private decoyHash?: Promise<string>;

  constructor(private readonly parameters: Argon2Parameters = ARGON2_PARAMETERS) {}

  onModuleInit(): void {
    this.decoyHash = this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the work of one verification, for a login whose account does not exist. */
  async verifyDecoy(password: string): Promise<void> {
    this.decoyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.decoyHash, password);
  }

  /** True when the hash was made with other parameters than today's. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, { ...this.parameters });
    } catch {
      return true;
    }
  }
}
