import { CreateUsers1764201600000 } from './1764201600000-CreateUsers';
import { CreateSessions1764201600001 } from './1764201600001-CreateSessions';
import { CreateAuthEvents1764201600002 } from './1764201600002-CreateAuthEvents';
import { CreateLoginFailures1764201600003 } from './1764201600003-CreateLoginFailures';
import { AddUsersPasswordVersion1764201600004 } from './1764201600004-AddUsersPasswordVersion';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [
  CreateUsers1764201600000,
  CreateSessions1764201600001,
  CreateAuthEvents1764201600002,
  CreateLoginFailures1764201600003,
  AddUsersPasswordVersion1764201600004,
];
