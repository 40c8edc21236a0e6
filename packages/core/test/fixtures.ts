import { findCinderFixturesDir } from '../src/testing/cinder-fixtures.js';

/**
 * The shared Cinder fixtures directory. Under CI it must exist (a missing one fails the run);
 * elsewhere the tests that need it are skipped with a note.
 */
export const FIXTURES_DIR = findCinderFixturesDir();

if (!FIXTURES_DIR && process.env.CI === 'true') {
  throw new Error('Cinder fixtures not found: set VOLBACK_CINDER_FIXTURES or keep shared/fixtures/cinder beside the checkout');
}
