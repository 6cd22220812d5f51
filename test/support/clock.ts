import type { INestApplicationContext } from '@nestjs/common';

import { Clock } from 'src/common/clock';

/**
 * Moves the application's clock `seconds` away from the real time (until `jest.restoreAllMocks`).
 * Sessions, rotation, backoff and the audit trail all take their time from it.
 */
export function setClockAhead(app: INestApplicationContext, seconds: number): Date {
  const shifted = new Date(Date.now() + seconds * 1000);
  jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(shifted));
  return shifted;
}
