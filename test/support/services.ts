/**
 * The PostgreSQL and Redis that DATABASE_URL and REDIS_URL name. `npm test` starts neither: the
 * run that needs them sets both (`.ci/run` does), and `test/setup/global-setup.ts` says when not.
 */
export const services = {
  postgresUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
};

/** `describe` where PostgreSQL and Redis are given, `describe.skip` where they are not. */
export const describeWithServices: jest.Describe =
  services.postgresUrl && services.redisUrl ? describe : describe.skip;
