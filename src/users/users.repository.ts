import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import { Sql, type SqlExecutor, type Statement } from 'src/database/sql';
import { UserEntity } from 'src/users/user.entity';
import { EmailTakenError } from 'src/users/users.errors';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  email: string;
  passwordHash: string;
  displayName: string | null;
}

/** An account as the rest of Warden sees it: everything but the password hash. */
export interface UserAccount {
  id: string;
  email: string;
  displayName: string | null;
  roles: string[];
  emailVerified: boolean;
  /** See `UserEntity.passwordVersion`. */
  passwordVersion: number;
  createdAt: Date;
  /** Set while an administrator has disabled the account. */
  disabledAt: Date | null;
}

interface AccountRow {
  id: string;
  email: string;
  display_name: string | null;
  roles: string[];
  email_verified: boolean;
  password_version: number;
  created_at: Date;
  disabled_at: Date | null;
}

const ACCOUNT_COLUMNS = `id, email, display_name, roles, email_verified_at IS NOT NULL AS email_verified,
  password_version, created_at, disabled_at`;

/** One page of accounts in email order, and where the next one starts. */
export interface AccountPage {
  items: UserAccount[];
  /** The email of the last item, when more may follow. */
  after?: string;
}

/** On the path of GET /users/me. */
const FIND_ACCOUNT: Statement = {
  name: 'users_find_account',
  text: `SELECT ${ACCOUNT_COLUMNS} FROM users WHERE id = $1`,
};

/**
 * On the path of every login. `$1` is the canonical spelling, `$2` the legacy one; an account that
 * kept its legacy spelling (see `legacyEmail`) is found by it, and wins over the canonical one.
 */
const FIND_WITH_PASSWORD_BY_EMAIL: Statement = {
  name: 'users_find_with_password_by_email',
  text: `SELECT ${ACCOUNT_COLUMNS}, password_hash FROM users
         WHERE email = $1 OR email = $2 ORDER BY email = $2 DESC LIMIT 1`,
};

const FIND_WITH_PASSWORD_BY_ID: Statement = {
  text: `SELECT ${ACCOUNT_COLUMNS}, password_hash FROM users WHERE id = $1`,
};

/** On the path of every registration. */
const INSERT: Statement = {
  name: 'users_insert',
  text: `INSERT INTO users (email, password_hash, display_name) VALUES ($1, $2, $3)
         RETURNING ${ACCOUNT_COLUMNS}`,
};

const UPDATE_PROFILE: Statement = {
  text: `UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1
         RETURNING ${ACCOUNT_COLUMNS}`,
};

const REPLACE_PASSWORD: Statement = {
  text: `UPDATE users SET password_hash = $3, password_version = password_version + 1,
           updated_at = now()
         WHERE id = $1 AND password_version = $2`,
};

const FIND_BY_EMAIL: Statement = {
  text: `SELECT ${ACCOUNT_COLUMNS} FROM users WHERE email = $1 OR email = $2
         ORDER BY email = $2 DESC LIMIT 1`,
};

/** Only while the account still has the address the link was sent to. */
const MARK_EMAIL_VERIFIED: Statement = {
  text: `UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1 AND email = $2 RETURNING ${ACCOUNT_COLUMNS}`,
};

const CHANGE_EMAIL: Statement = {
  text: `UPDATE users SET email = $2, email_verified_at = now(), updated_at = now()
         WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
};

/** A reset proves the address too; only while the account still has the address it was sent to. */
const RESET_PASSWORD: Statement = {
  text: `UPDATE users SET password_hash = $3, password_version = password_version + 1,
           email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1 AND email = $2 RETURNING ${ACCOUNT_COLUMNS}`,
};

const DELETE: Statement = {
  text: `DELETE FROM users WHERE id = $1`,
};

const SET_DISABLED: Statement = {
  text: `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,
           updated_at = now()
         WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
};

const SET_ROLES: Statement = {
  text: `UPDATE users SET roles = $2::text[], updated_at = now() WHERE id = $1
         RETURNING ${ACCOUNT_COLUMNS}`,
};

/**
 * `$1` is a LIKE pattern of an escaped prefix, `$2` the email to continue after (or null);
 * `users_email_pattern_idx` serves both.
 */
const LIST: Statement = {
  text: `SELECT ${ACCOUNT_COLUMNS} FROM users
         WHERE email LIKE $1 AND ($2::text IS NULL OR email COLLATE "C" > $2::text)
         ORDER BY email COLLATE "C" LIMIT $3`,
};

const ADD_ROLE: Statement = {
  text: `UPDATE users SET roles = array_append(roles, $2::text), updated_at = now()
         WHERE id = $1 AND NOT ($2::text = ANY (roles))`,
};

function toAccount(row: AccountRow): UserAccount {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    roles: row.roles,
    emailVerified: row.email_verified,
    passwordVersion: row.password_version,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}

/** A LIKE pattern matching strings that start with `prefix`, taken literally. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly orm: Repository<UserEntity>,
    private readonly sql: Sql,
  ) {}

  async findAccount(id: string): Promise<UserAccount | undefined> {
    const [row] = await this.sql.rows<AccountRow>(FIND_ACCOUNT, [id]);
    return row && toAccount(row);
  }

  async findWithPasswordByEmail(
    canonical: string,
    legacy: string,
  ): Promise<{ account: UserAccount; passwordHash: string } | undefined> {
    const [row] = await this.sql.rows<AccountRow & { password_hash: string }>(
      FIND_WITH_PASSWORD_BY_EMAIL,
      [canonical, legacy],
    );
    return row && { account: toAccount(row), passwordHash: row.password_hash };
  }

  async findWithPasswordById(
    id: string,
  ): Promise<{ account: UserAccount; passwordHash: string } | undefined> {
    const [row] = await this.sql.rows<AccountRow & { password_hash: string }>(
      FIND_WITH_PASSWORD_BY_ID,
      [id],
    );
    return row && { account: toAccount(row), passwordHash: row.password_hash };
  }

  /** Two registrations racing for one email: the unique index decides, the loser gets 409. */
  async insert(user: NewUser, db: SqlExecutor = this.sql): Promise<UserAccount> {
    try {
      const [row] = await db.rows<AccountRow>(INSERT, [
        user.email,
        user.passwordHash,
        user.displayName,
      ]);
      return toAccount(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new EmailTakenError();
      }
      throw error;
    }
  }

  async findByEmail(canonical: string, legacy: string): Promise<UserAccount | undefined> {
    const [row] = await this.sql.rows<AccountRow>(FIND_BY_EMAIL, [canonical, legacy]);
    return row && toAccount(row);
  }

  async markEmailVerified(
    id: string,
    email: string,
    db: SqlExecutor = this.sql,
  ): Promise<UserAccount | undefined> {
    const [row] = await db.rows<AccountRow>(MARK_EMAIL_VERIFIED, [id, email]);
    return row && toAccount(row);
  }

  /** The new address, verified; 409 `email_taken` if another account has it. */
  async changeEmail(
    id: string,
    email: string,
    db: SqlExecutor = this.sql,
  ): Promise<UserAccount | undefined> {
    try {
      const [row] = await db.rows<AccountRow>(CHANGE_EMAIL, [id, email]);
      return row && toAccount(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new EmailTakenError();
      }
      throw error;
    }
  }

  async resetPassword(
    id: string,
    email: string,
    passwordHash: string,
    db: SqlExecutor = this.sql,
  ): Promise<UserAccount | undefined> {
    const [row] = await db.rows<AccountRow>(RESET_PASSWORD, [id, email, passwordHash]);
    return row && toAccount(row);
  }

  async delete(id: string, db: SqlExecutor = this.sql): Promise<boolean> {
    return (await db.rowCount(DELETE, [id])) === 1;
  }

  async setDisabled(id: string, disabled: boolean): Promise<UserAccount | undefined> {
    const [row] = await this.sql.rows<AccountRow>(SET_DISABLED, [id, disabled]);
    return row && toAccount(row);
  }

  async setRoles(id: string, roles: string[]): Promise<UserAccount | undefined> {
    const [row] = await this.sql.rows<AccountRow>(SET_ROLES, [id, roles]);
    return row && toAccount(row);
  }

  /** Accounts whose email starts with `prefix` (literally), in email order, after `after`. */
  async list(prefix: string, limit: number, after?: string): Promise<AccountPage> {
    const rows = await this.sql.rows<AccountRow>(LIST, [
      prefixPattern(prefix),
      after ?? null,
      limit + 1,
    ]);
    const items = rows.slice(0, limit).map(toAccount);
    return { items, after: rows.length > limit ? items[items.length - 1].email : undefined };
  }

  async updateProfile(
    id: string,
    profile: { displayName: string | null },
  ): Promise<UserAccount | undefined> {
    const [row] = await this.sql.rows<AccountRow>(UPDATE_PROFILE, [id, profile.displayName]);
    return row && toAccount(row);
  }

  async addRole(id: string, role: string): Promise<void> {
    await this.sql.rowCount(ADD_ROLE, [id, role]);
  }

  /**
   * The same password, hashed with the current parameters; nothing changes if the password was
   * changed since `version` was read.
   */
  async rehashPassword(id: string, version: number, passwordHash: string): Promise<void> {
    await this.orm.update(
      { id, passwordVersion: version },
      { passwordHash, updatedAt: new Date() },
    );
  }

  /** A new password, if the current one is still `version`; returns whether it was replaced. */
  async replacePassword(
    id: string,
    version: number,
    passwordHash: string,
    db: SqlExecutor = this.sql,
  ): Promise<boolean> {
    return (await db.rowCount(REPLACE_PASSWORD, [id, version, passwordHash])) === 1;
  }
}
