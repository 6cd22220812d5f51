import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { PasswordHasher } from 'src/users/password-hasher';
import { UserEntity } from 'src/users/user.entity';
import { UsersController } from 'src/users/users.controller';
import { UsersRepository } from 'src/users/users.repository';
import { UsersService } from 'src/users/users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersRepository,
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
  ],
  exports: [UsersService],
})
export class UsersModule {}
