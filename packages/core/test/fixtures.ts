import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findCinderFixturesDir } from '../src/testing/cinder-fixtures.js';

/**
 * The Cinder fixtures: `VOLBACK_CINDER_FIXTURES` or `shared/` beside the checkout when present,
 * else the copy the conformance package ships (everything but the images), so a fresh clone
 * tests them too.
 */
const REPO_COPY = fileURLToPath(new URL('../../conformance/fixtures/cinder', import.meta.url));

export const FIXTURES_DIR: string = findCinderFixturesDir() ?? REPO_COPY;

if (!existsSync(FIXTURES_DIR)) throw new Error(`Cinder fixtures not found at ${FIXTURES_DIR}`);
