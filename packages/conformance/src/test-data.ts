/**
 * The suite's data helpers live in core, so drivers' own tests and the suite share one copy:
 * every byte the suite writes comes from `SeededRandom` (directly or through `makeVolume`), so a
 * failure reproduces exactly. Only names (`randomToken`, UUIDs) are random, so runs at once on
 * one backend never meet.
 */
export {
  SeededRandom,
  makeVolume,
  mutateVolume,
  sha256Hex,
  describeDifference,
  randomToken,
  errorCodeOf,
  rejectionOf,
  settlesWithin,
} from '@volback/core/testing';
