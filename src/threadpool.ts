import { availableParallelism } from 'node:os';

/**
 * argon2 hashes on libuv's thread pool (4 threads by default). One thread per CPU keeps every core
 * busy during a burst of logins without holding more 19 MiB hashes in memory than can progress.
 * Imported first by main.ts, before anything uses the pool; an explicit UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
