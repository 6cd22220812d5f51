import { DeferredRequests } from 'src/account/deferred-requests';

describe('DeferredRequests', () => {
  it('should start the work later, not during the request that asked for it', async () => {
    const deferred = new DeferredRequests();
    let started = false;

    deferred.run('test', () => {
      started = true;
      return Promise.resolve();
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(started).toBe(false);
    await deferred.settled();
    expect(started).toBe(true);
  });

  it('should start what is waiting at shutdown, and wait for it to finish', async () => {
    // The delays never run out by themselves here: only the shutdown can start the work.
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    const deferred = new DeferredRequests();
    const done: number[] = [];
    for (const id of [1, 2, 3]) {
      deferred.run('test', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        done.push(id);
      });
    }

    await deferred.beforeApplicationShutdown();

    expect(done.sort()).toEqual([1, 2, 3]);
    jest.useRealTimers();
  });
});
