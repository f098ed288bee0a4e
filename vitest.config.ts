import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites start a real regtest node per file; forks keep native addons isolated.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // The bins run src/ through tsx, never a possibly stale dist/ (bin/entry.mjs); the packaging
    // test unsets this to check the compiled daemon.
    env: { DEV_WALLETD_SOURCES: '1' },
  },
});
