import { FairQueue, QueueFullError } from 'src/users/fair-queue';

/** A task that runs until the spec finishes it, and records when it started. */
function controlledTasks() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const task = (name: string) => () => {
    started.push(name);
    return new Promise<string>((resolve) => finishers.set(name, () => resolve(name)));
  };
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the queue start the next task.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, task, finish };
}

describe(FairQueue.name, () => {
  describe('run', () => {
    it('should run up to the concurrency at once and start the others as slots free up', async () => {
      const { started, task, finish } = controlledTasks();
      const sut = new FairQueue(2, 10);

      const results = ['a1', 'a2', 'a3'].map((name) => sut.run('a', task(name)));
      await new Promise((resolve) => setImmediate(resolve));

      expect(started).toEqual(['a1', 'a2']);
      expect(sut.depth).toBe(1);
      await finish('a1');
      expect(started).toEqual(['a1', 'a2', 'a3']);
      await finish('a2');
      await finish('a3');
      await expect(Promise.all(results)).resolves.toEqual(['a1', 'a2', 'a3']);
    });

    it('should start waiting tasks round robin between parties', async () => {
      const { started, task, finish } = controlledTasks();
      const sut = new FairQueue(1, 10);

      const all = [
        ...['a1', 'a2', 'a3', 'a4'].map((name) => sut.run('flooder', task(name))),
        sut.run('owner', task('o1')),
      ];
      for (const name of ['a1', 'a2', 'o1', 'a3', 'a4']) {
        await finish(name);
      }

      expect(started).toEqual(['a1', 'a2', 'o1', 'a3', 'a4']);
      await Promise.all(all);
    });

    it('should shed the newest task of the heaviest party for a party with fewer waiting', async () => {
      const { started, task, finish } = controlledTasks();
      const sut = new FairQueue(1, 2);
      const [running, ...waiting] = ['a1', 'a2', 'a3'].map((name) =>
        sut.run('flooder', task(name)),
      );

      const owner = sut.run('owner', task('o1'));

      await expect(waiting[1]).rejects.toBeInstanceOf(QueueFullError);
      await finish('a1');
      await finish('a2');
      await finish('o1');
      await expect(Promise.all([running, waiting[0], owner])).resolves.toEqual(['a1', 'a2', 'o1']);
      expect(started).toEqual(['a1', 'a2', 'o1']);
    });

    it('should refuse a task of the heaviest party when the queue is full, saying how long to wait', async () => {
      const { task, finish } = controlledTasks();
      const sut = new FairQueue(1, 1);
      const admitted = ['a1', 'a2'].map((name) => sut.run('flooder', task(name)));

      const refused = sut.run('flooder', task('a3'));

      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
      await finish('a1');
      await finish('a2');
      await Promise.all(admitted);
    });

    it('should free the slot of a task that fails', async () => {
      const sut = new FairQueue(1, 0);

      await expect(sut.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(sut.run('a', () => Promise.resolve('next'))).resolves.toBe('next');
    });
  });

  describe('wouldTake', () => {
    it('should say whether a task would be taken now, without taking it', async () => {
      const { task, finish } = controlledTasks();
      const sut = new FairQueue(1, 1);
      expect(sut.wouldTake('flooder')).toBe(true);
      const admitted = ['a1', 'a2'].map((name) => sut.run('flooder', task(name)));

      expect(sut.wouldTake('flooder')).toBe(false);
      expect(sut.wouldTake('owner')).toBe(false);
      expect(() => sut.assertWouldTake('flooder')).toThrow(QueueFullError);
      expect(sut.depth).toBe(1);
      await finish('a1');
      expect(sut.wouldTake('flooder')).toBe(true);
      await finish('a2');
      await Promise.all(admitted);
    });

    it("should take a lighter party's task in place of the heaviest party's newest", async () => {
      const { task, finish } = controlledTasks();
      const sut = new FairQueue(1, 2);
      const admitted = ['a1', 'a2', 'a3'].map((name) => sut.run('flooder', task(name)));

      expect(sut.wouldTake('owner')).toBe(true);
      expect(sut.wouldTake('flooder')).toBe(false);
      for (const name of ['a1', 'a2', 'a3']) {
        await finish(name);
      }
      await Promise.all(admitted);
    });
  });
});
