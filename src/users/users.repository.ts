import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import { Sql, type Statement } from 'src/database/sql';
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
}

interface AccountRow {
  id: string;
  email: string;
  display_name: string | null;
  roles: string[];
  email_verified: boolean;
  password_version: number;
  created_at: Date;
}

const ACCOUNT_COLUMNS = `id, email, display_name, roles, email_verified_at IS NOT NULL AS email_verified,
  password_version, created_at`;

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
  };
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
  async insert(user: NewUser): Promise<UserAccount> {
    try {
      const [row] = await this.sql.rows<AccountRow>(INSERT, [
        user.email,
        user.passwordHash,
        user.displayName,
      ]);
      return toAccount(row);
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new EmailTakenError();
      }
      throw error;
    }
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
  async replacePassword(id: string, version: number, passwordHash: string): Promise<boolean> {
    const { affected } = await this.orm.update(
      { id, passwordVersion: version },
      { passwordHash, passwordVersion: () => 'password_version + 1', updatedAt: new Date() },
    );
    return affected === 1;
  }
}
