import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';

import { Sql, type PreparedStatement } from 'src/database/sql';
import { UserEntity } from 'src/users/user.entity';
import { EmailTakenError } from 'src/users/users.errors';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  email: string;
  passwordHash: string;
  displayName: string | null;
}

/** What an account shows of itself: everything but the password hash. */
export type UserProfile = Pick<UserEntity, 'id' | 'email' | 'displayName' | 'roles' | 'createdAt'>;

const FIND_PROFILE: PreparedStatement = {
  name: 'users_find_profile',
  text: 'SELECT id, email, display_name, roles, created_at FROM users WHERE id = $1',
};

const FIND_BY_EMAIL: PreparedStatement = {
  name: 'users_find_by_email',
  text: `SELECT id, email, password_hash, password_version, display_name, roles, created_at, updated_at
         FROM users WHERE email = $1`,
};

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly orm: Repository<UserEntity>,
    private readonly sql: Sql,
  ) {}

  /** On the path of GET /users/me: one prepared statement. */
  async findProfile(id: string): Promise<UserProfile | undefined> {
    const [row] = await this.sql.rows<{
      id: string;
      email: string;
      display_name: string | null;
      roles: string[];
      created_at: Date;
    }>(FIND_PROFILE, [id]);
    return (
      row && {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        roles: row.roles,
        createdAt: row.created_at,
      }
    );
  }

  /** On the path of every login: one prepared statement. */
  async findByEmail(email: string): Promise<UserEntity | null> {
    const [row] = await this.sql.rows<{
      id: string;
      email: string;
      password_hash: string;
      password_version: number;
      display_name: string | null;
      roles: string[];
      created_at: Date;
      updated_at: Date;
    }>(FIND_BY_EMAIL, [email]);
    return row
      ? {
          id: row.id,
          email: row.email,
          passwordHash: row.password_hash,
          passwordVersion: row.password_version,
          displayName: row.display_name,
          roles: row.roles,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }
      : null;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.orm.findOneBy({ id });
  }

  /** Two registrations racing for one email: the unique index decides, the loser gets 409. */
  async insert(user: NewUser): Promise<UserEntity> {
    try {
      return await this.orm.save(this.orm.create(user));
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new EmailTakenError();
      }
      throw error;
    }
  }

  async addRole(id: string, role: string): Promise<void> {
    await this.orm.query(
      `UPDATE users SET roles = array_append(roles, $2::text), updated_at = now()
       WHERE id = $1 AND NOT ($2::text = ANY (roles))`,
      [id, role],
    );
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
