/** walletd's version for `--version` on both bins: package.json's, read once. */
import { walletdVersion } from '../package-version.ts';

/** The package version, e.g. `0.1.0` (found from src/ and from the compiled dist/src/ alike). */
export const VERSION: string = walletdVersion(import.meta.url);
