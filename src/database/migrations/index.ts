import { CreateUsers1764201600000 } from './1764201600000-CreateUsers';
import { CreateSessions1764201600001 } from './1764201600001-CreateSessions';
import { CreateAuthEvents1764201600002 } from './1764201600002-CreateAuthEvents';
import { CreateLoginFailures1764201600003 } from './1764201600003-CreateLoginFailures';
import { AddUsersPasswordVersion1764201600004 } from './1764201600004-AddUsersPasswordVersion';
import { AddSessionAssurance1764201600005 } from './1764201600005-AddSessionAssurance';
import { CreateSessionRevocations1764201600006 } from './1764201600006-CreateSessionRevocations';
import { CanonicalEmails1764201600007 } from './1764201600007-CanonicalEmails';
import { IndexAuthEventsCreatedAt1764201600008 } from './1764201600008-IndexAuthEventsCreatedAt';
import { CreateAccountLifecycle1764201600009 } from './1764201600009-CreateAccountLifecycle';

/** Every migration, oldest first. `npm run migration:create -- <Name>` adds one at the end. */
export const migrations = [
  CreateUsers1764201600000,
  CreateSessions1764201600001,
  CreateAuthEvents1764201600002,
  CreateLoginFailures1764201600003,
  AddUsersPasswordVersion1764201600004,
  AddSessionAssurance1764201600005,
  CreateSessionRevocations1764201600006,
  CanonicalEmails1764201600007,
  IndexAuthEventsCreatedAt1764201600008,
  CreateAccountLifecycle1764201600009,
];
