import { TaskWindow } from './task-window.js';

/**
 * `fn` over `items` with at most `limit` calls in flight, for store calls that mostly wait: the
 * results in the order of `items`. After a failure no new call starts; the first failure is
 * thrown once the calls in flight have settled, so none outlives the caller.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const window = new TaskWindow(limit);
  const results = new Array<R>(items.length);
  try {
    for (let i = 0; i < items.length; i++) {
      await window.run(async () => {
        results[i] = await fn(items[i] as T, i);
      });
    }
    await window.drain();
  } catch (err) {
    await window.settle();
    throw err;
  }
  return results;
}
