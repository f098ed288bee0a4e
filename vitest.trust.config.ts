import { defineConfig } from 'vitest/config';

/** `npm run test:trust`: the differential test alone, 3,000 steps, with a timeout to match. */
export default defineConfig({
  test: {
    include: ['test/ledger/differential*.test.ts'],
    pool: 'forks',
    testTimeout: 4 * 60 * 60 * 1000,
    hookTimeout: 120_000,
    reporters: ['default'],
    env: { DEV_WALLETD_SOURCES: '1' },
  },
});
