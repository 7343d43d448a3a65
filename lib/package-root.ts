import { join } from 'node:path';

/**
 * The package's root directory. `lib/` is one level below it in the repository, and so is the
 * published package's compiled library (`dist/index.cjs`, where the package build replaces
 * `import.meta.dirname` by CommonJS's `__dirname`): the one place either needs to know it.
 */
export const PACKAGE_ROOT = join(import.meta.dirname, '..');

/** Where the published package carries each function already bundled: `<dir>/<name>/index.mjs`. */
export const PREBUILT_FUNCTIONS_DIR = join(PACKAGE_ROOT, 'dist', 'functions');
