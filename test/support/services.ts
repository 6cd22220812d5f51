/** The PostgreSQL and Redis that `test/setup/global-setup.ts` found, if any. */
export const services = {
  postgresUrl: process.env.WARDEN_TEST_POSTGRES_URL,
  redisUrl: process.env.WARDEN_TEST_REDIS_URL,
};

/** `describe` where PostgreSQL and Redis are available, `describe.skip` where they are not. */
export const describeWithServices: jest.Describe =
  services.postgresUrl && services.redisUrl ? describe : describe.skip;
