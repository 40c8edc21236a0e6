import { describe, expect, it } from 'vitest';
import { Semaphore } from '../src/engine/flow/semaphore.js';

describe('Semaphore', () => {
  it('runs at most `count` tasks at once, the others in the order they asked', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return i;
    };
    expect(await Promise.all([0, 1, 2, 3, 4].map((i) => semaphore.use(task(i))))).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot of a task that throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await semaphore.use(async () => 'next')).toBe('next');
  });
});
