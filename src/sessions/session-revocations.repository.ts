import { Injectable } from '@nestjs/common';

import { Sql, type Statement } from 'src/database/sql';

export interface RecordedRevocation {
  sessionId: string;
  revokedAt: Date;
}

/**
 * Rows recorded after `$1`, and the database's own time, on one row even when there are none:
 * the next poll starts from that time, so instances need not agree on theirs.
 */
const RECORDED_SINCE: Statement = {
  name: 'session_revocations_recorded_since',
  text: `SELECT polled.at, r.session_id, r.revoked_at
         FROM (SELECT clock_timestamp() AS at) polled
         LEFT JOIN session_revocations r ON r.recorded_at > $1`,
};

const DELETE_RECORDED_BEFORE: Statement = {
  text: `DELETE FROM session_revocations WHERE session_id IN (
           SELECT session_id FROM session_revocations WHERE recorded_at < $1 LIMIT $2)`,
};

/** `session_revocations`: every session that ended early, as the database triggers record it. */
@Injectable()
export class SessionRevocationsRepository {
  constructor(private readonly sql: Sql) {}

  async recordedSince(since: Date): Promise<{ now: Date; revocations: RecordedRevocation[] }> {
    const rows = await this.sql.rows<{
      at: Date;
      session_id: string | null;
      revoked_at: Date | null;
    }>(RECORDED_SINCE, [since]);
    return {
      now: rows[0].at,
      revocations: rows
        .filter((row) => row.session_id !== null)
        .map((row) => ({ sessionId: row.session_id!, revokedAt: row.revoked_at! })),
    };
  }

  /** Deletes up to `limit` records from before `cutoff`; returns how many. */
  deleteRecordedBefore(cutoff: Date, limit: number): Promise<number> {
    return this.sql.rowCount(DELETE_RECORDED_BEFORE, [cutoff, limit]);
  }
}
