// The order of a goal's measurements within one round: the machine's speed drifts over minutes,
// so volback's step and its references run back to back, volback first in every other round.

/** Runs `step` (may be null: nothing to pair) and the `refs`, one after another, `step` first when `volbackFirst`. */
export async function runPaired(volbackFirst, refs, step) {
  if (volbackFirst) await step?.();
  for (const ref of refs) await ref();
  if (!volbackFirst) await step?.();
}
