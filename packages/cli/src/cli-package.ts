import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * URL of the CLI's own package.json. This module runs from src/, dist/ or dist/bundle/ (the
 * published entry points), so it looks upwards for the package rather than at a fixed path.
 */
export const CLI_PACKAGE_JSON: string = findPackageJson(dirname(fileURLToPath(import.meta.url)));

function findPackageJson(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    try {
      if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === '@volback/cli') return pathToFileURL(candidate).href;
    } catch {
      // no package.json here, or not one we can read: keep looking
    }
    if (dirname(dir) === dir) throw new Error(`@volback/cli: no package.json of its own above ${from}`);
  }
}
