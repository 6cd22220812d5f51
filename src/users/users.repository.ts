import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';

import { UserEntity } from 'src/users/user.entity';
import { EmailTakenError } from 'src/users/users.errors';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  email: string;
  passwordHash: string;
  displayName: string | null;
}

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly orm: Repository<UserEntity>) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.orm.findOneBy({ email });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.orm.findOneBy({ id });
  }

  async findRoles(id: string): Promise<string[] | undefined> {
    const user = await this.orm.findOne({ where: { id }, select: { id: true, roles: true } });
    return user?.roles;
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

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.orm.update({ id }, { passwordHash, updatedAt: new Date() });
  }
}
