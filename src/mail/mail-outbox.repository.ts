import { Injectable } from '@nestjs/common';

import { Sql, type SqlExecutor, type Statement } from 'src/database/sql';

export interface NewMail {
  template: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
}

/** A message a worker has claimed: no other worker sends it until its lease runs out. */
export interface ClaimedMail extends NewMail {
  id: string;
  /** Attempts so far, this one included. */
  attempts: number;
  createdAt: Date;
}

interface ClaimedRow {
  id: string;
  template: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
  created_at: Date;
}

const INSERT: Statement = {
  text: `INSERT INTO mail_outbox
           (template, recipient, subject, text_body, html_body, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
};

/**
 * Takes the due messages no other worker holds (SKIP LOCKED) and leases them until `$2`: the lease
 * is the next attempt's time, so a worker that dies mid-send only delays its messages.
 */
const CLAIM_DUE: Statement = {
  text: `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2
         WHERE id IN (
           SELECT id FROM mail_outbox
           WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, id LIMIT $3
           FOR UPDATE SKIP LOCKED)
         RETURNING id, template, recipient, subject, text_body, html_body, attempts, created_at`,
};

/** Sent: the bodies (and the link in them) are dropped, the record stays. */
const MARK_SENT: Statement = {
  text: `UPDATE mail_outbox SET status = 'sent', sent_at = $2, text_body = NULL, html_body = NULL,
           last_error = NULL
         WHERE id = $1`,
};

const RESCHEDULE: Statement = {
  text: `UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`,
};

const MARK_FAILED: Statement = {
  text: `UPDATE mail_outbox SET status = 'failed', last_error = $2, text_body = NULL,
           html_body = NULL
         WHERE id = $1`,
};

const DELETE_FINISHED_BEFORE: Statement = {
  text: `DELETE FROM mail_outbox WHERE id IN (
           SELECT id FROM mail_outbox WHERE status <> 'pending' AND created_at < $1
           ORDER BY created_at LIMIT $2)`,
};

@Injectable()
export class MailOutboxRepository {
  constructor(private readonly sql: Sql) {}

  async insert(mail: NewMail, at: Date, db: SqlExecutor = this.sql): Promise<void> {
    await db.rowCount(INSERT, [
      mail.template,
      mail.recipient,
      mail.subject,
      mail.text,
      mail.html,
      at,
    ]);
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMail[]> {
    const rows = await this.sql.rows<ClaimedRow>(CLAIM_DUE, [now, leaseUntil, limit]);
    return rows.map((row) => ({
      id: row.id,
      template: row.template,
      recipient: row.recipient,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
      attempts: row.attempts,
      createdAt: row.created_at,
    }));
  }

  async markSent(id: string, at: Date): Promise<void> {
    await this.sql.rowCount(MARK_SENT, [id, at]);
  }

  async reschedule(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.sql.rowCount(RESCHEDULE, [id, nextAttemptAt, error]);
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.sql.rowCount(MARK_FAILED, [id, error]);
  }

  deleteFinishedBefore(cutoff: Date, limit: number): Promise<number> {
    return this.sql.rowCount(DELETE_FINISHED_BEFORE, [cutoff, limit]);
  }
}
