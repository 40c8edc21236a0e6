import type { Assertion } from '@volback/conformance';
import { isDeepStrictEqual, inspect } from 'node:util';

/** The suite's `Assertion`: the handful of matchers it uses, so the CLI needs no test framework. */
export type MiniAssertion = Assertion;

export class AssertionFailed extends Error {}

export function miniExpect(actual: unknown, message?: string): MiniAssertion {
  return build(actual, message, false);
}

function build(actual: unknown, message: string | undefined, negated: boolean): MiniAssertion {
  const check = (pass: boolean, what: string): void => {
    if (pass === negated) {
      const head = message ? `${message}: ` : '';
      throw new AssertionFailed(`${head}expected ${show(actual)} ${negated ? 'not ' : ''}${what}`);
    }
  };
  const num = (): number => (typeof actual === 'number' ? actual : NaN);
  return {
    toBe: (e) => check(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e) => check(isDeepStrictEqual(normalize(actual), normalize(e)), `to equal ${show(e)}`),
    toBeGreaterThan: (e) => check(num() > e, `to be greater than ${e}`),
    toBeGreaterThanOrEqual: (e) => check(num() >= e, `to be at least ${e}`),
    toBeLessThan: (e) => check(num() < e, `to be less than ${e}`),
    toBeLessThanOrEqual: (e) => check(num() <= e, `to be at most ${e}`),
    toContain: (item) =>
      check(
        typeof actual === 'string' ? actual.includes(String(item)) : Array.isArray(actual) && actual.some((x) => Object.is(x, item)),
        `to contain ${show(item)}`,
      ),
    toHaveLength: (n) => check((actual as { length?: unknown })?.length === n, `to have length ${n}`),
    toBeNull: () => check(actual === null, 'to be null'),
    toMatch: (e) =>
      check(typeof actual === 'string' && (typeof e === 'string' ? actual.includes(e) : e.test(actual)), `to match ${String(e)}`),
    get not() {
      return build(actual, message, !negated);
    },
  };
}

/** Typed arrays compare by content, as vitest's toEqual does. */
function normalize(v: unknown): unknown {
  return ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v;
}

function show(v: unknown): string {
  return inspect(v, { depth: 3, maxArrayLength: 8, maxStringLength: 120, breakLength: Infinity });
}
