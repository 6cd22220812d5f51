import { availableParallelism } from 'node:os';

/**
 * argon2 hashes on libuv's thread pool (4 threads by default), at most PASSWORD_HASH_CONCURRENCY at
 * once (the CPU count by default; see `PasswordHasher`). Two threads more keep file, DNS and crypto
 * work from waiting behind a burst of logins. Imported first by main.ts, before anything uses the
 * pool, which is why it reads the variable itself; an explicit UV_THREADPOOL_SIZE wins.
 */
const hashes = Number.parseInt(process.env.PASSWORD_HASH_CONCURRENCY ?? '', 10);
process.env.UV_THREADPOOL_SIZE ??= String(
  (Number.isInteger(hashes) && hashes > 0 ? hashes : availableParallelism()) + 2,
);
