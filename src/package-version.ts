/**
 * walletd's version from its package.json, found by walking up from the calling module: the
 * sources (src/) and the compiled daemon (dist/src/) sit at different depths below it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `version` of the nearest package.json named `walletd` above `moduleUrl`. */
export function walletdVersion(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'walletd' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('walletd package.json not found above ' + moduleUrl);
    dir = up;
  }
}
