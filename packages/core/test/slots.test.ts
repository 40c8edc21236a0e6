import { describe, expect, it } from 'vitest';
import { Slots } from '../src/engine/slots.js';

describe('Slots', () => {
  it('runs at most `count` tasks at once, the others in the order they asked', async () => {
    const slots = new Slots(2);
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
    expect(await Promise.all([0, 1, 2, 3, 4].map((i) => slots.use(task(i))))).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot of a task that throws', async () => {
    const slots = new Slots(1);
    await expect(slots.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.use(async () => 'next')).toBe('next');
  });
});
