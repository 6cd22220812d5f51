import { setTimeout as sleep } from 'node:timers/promises';

import { DataSource } from 'typeorm';

import {
  createPgliteDriver,
  PglitePool,
  SessionLeaseTimeoutError,
} from 'src/database/pglite-driver';

describe('PGlite driver', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'postgres',
      driver: createPgliteDriver({ dataDir: 'memory://' }),
      installExtensions: false,
    }).initialize();
    await dataSource.query('CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL)');
    await dataSource.query('CREATE TABLE items (id int PRIMARY KEY)');
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('should run concurrent read-modify-write transactions one after another', async () => {
    await dataSource.query('INSERT INTO counters (id, value) VALUES (1, 0)');

    await Promise.all(
      Array.from({ length: 20 }, () =>
        dataSource.transaction(async (manager) => {
          const [{ value }] = await manager.query<{ value: number }[]>(
            'SELECT value FROM counters WHERE id = 1',
          );
          await sleep(1);
          await manager.query('UPDATE counters SET value = $1 WHERE id = 1', [value + 1]);
        }),
      ),
    );

    const [{ value }] = await dataSource.query<{ value: number }[]>(
      'SELECT value FROM counters WHERE id = 1',
    );
    expect(value).toBe(20);
  });

  it('should keep a committed insert when a concurrent transaction rolls back', async () => {
    const rollingBack = dataSource
      .transaction(async (manager) => {
        await manager.query('INSERT INTO items (id) VALUES (2)');
        await sleep(5);
        throw new Error('abort');
      })
      .catch((error: Error) => error.message);
    const committing = dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO items (id) VALUES (1)');
    });

    await expect(rollingBack).resolves.toBe('abort');
    await committing;
    const rows = await dataSource.query<{ id: number }[]>('SELECT id FROM items ORDER BY id');
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('should return int8 values as strings and timestamps as dates, as pg does', async () => {
    const [row] = await dataSource.query<{ big: unknown; at: unknown }[]>(
      'SELECT $1::int8 AS big, $2::timestamptz AS at',
      ['9007199254740993', new Date('2026-01-02T03:04:05.678Z')],
    );
    expect(row.big).toBe('9007199254740993');
    expect(row.at).toEqual(new Date('2026-01-02T03:04:05.678Z'));
  });

  it('should report the affected rows of an UPDATE like pg', async () => {
    await dataSource.query('INSERT INTO counters (id, value) VALUES (2, 0), (3, 0)');
    const [rows, affected] = await dataSource.query<[unknown[], number]>(
      'UPDATE counters SET value = value + 1 WHERE id IN (2, 3) RETURNING id',
    );
    expect(affected).toBe(2);
    expect(rows).toHaveLength(2);
  });

  it('should surface database errors with their SQLSTATE code', async () => {
    await expect(dataSource.query('INSERT INTO items (id) VALUES (1)')).rejects.toMatchObject({
      driverError: expect.objectContaining({ code: '23505' }) as unknown,
    });
  });
});

describe(PglitePool.name, () => {
  it('should fail a caller that waits for the session longer than the acquire timeout', async () => {
    const pool = new PglitePool({ dataDir: 'memory://', acquireTimeoutMs: 50 });
    const holder = await pool.connect();

    await expect(pool.connect()).rejects.toBeInstanceOf(SessionLeaseTimeoutError);

    holder.release();
    const next = await pool.connect();
    await expect(next.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    next.release();
    await pool.end();
  });

  it('should roll back an open transaction when a client is released with an error', async () => {
    const pool = new PglitePool({ dataDir: 'memory://' });
    await pool.query('CREATE TABLE t (id int)');
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO t (id) VALUES ($1)', [1]);
    client.release(new Error('connection broken'));

    const { rows } = await pool.query('SELECT count(*)::int AS n FROM t');
    expect(rows).toEqual([{ n: 0 }]);
    await pool.end();
  });

  it('should serve callback-style queries and connections', async () => {
    const pool = new PglitePool({ dataDir: 'memory://' });
    const result = await new Promise((resolve, reject) => {
      pool.connect((error, client, release) => {
        if (error || !client || !release) {
          return reject(error ?? new Error('no client'));
        }
        client.query('SELECT 2 AS two', (queryError, value) => {
          release();
          return queryError ? reject(queryError) : resolve(value?.rows);
        });
      });
    });
    expect(result).toEqual([{ two: 2 }]);
    await pool.end();
  });
});
