/** The suite's data helpers live in core, so drivers' own tests and the suite share one copy. */
export {
  SeededRandom,
  makeVolume,
  mutateVolume,
  sha256Hex,
  describeDifference,
  randomToken,
  errorCodeOf,
  rejectionOf,
} from '@volback/core/testing';
