import { defineConfig } from 'vitest/config';

/**
 * `npm run test:trust` (issue 16): the differential test at 3,000 steps and the trust suite in
 * test/trust/ at its long sizes; `npm test` runs the same trust files at their short defaults.
 * Each size can be overridden from the environment.
 */
const long = (name: string, value: number): string => process.env[name] ?? String(value);

export default defineConfig({
  test: {
    include: ['test/ledger/differential*.test.ts', 'test/trust/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: the long runs share two cores and measure memory.
    fileParallelism: false,
    testTimeout: 4 * 60 * 60 * 1000,
    hookTimeout: 120_000,
    reporters: ['default'],
    env: {
      DEV_WALLETD_SOURCES: '1',
      WALLETD_TRUST_FUZZ_REQUESTS: long('WALLETD_TRUST_FUZZ_REQUESTS', 50_000),
      WALLETD_TRUST_CRASH_ITERATIONS: long('WALLETD_TRUST_CRASH_ITERATIONS', 200),
      WALLETD_TRUST_TOKEN_GUESSES: long('WALLETD_TRUST_TOKEN_GUESSES', 100),
      WALLETD_TRUST_PASSPHRASE_ROUNDS: long('WALLETD_TRUST_PASSPHRASE_ROUNDS', 5),
      WALLETD_TRUST_LEAK_ROUNDS: long('WALLETD_TRUST_LEAK_ROUNDS', 10),
      WALLETD_TRUST_LOAD_SUBSCRIBERS: long('WALLETD_TRUST_LOAD_SUBSCRIBERS', 500),
      WALLETD_TRUST_LOAD_CLIENTS: long('WALLETD_TRUST_LOAD_CLIENTS', 20),
      WALLETD_TRUST_LOAD_SECONDS: long('WALLETD_TRUST_LOAD_SECONDS', 300),
    },
  },
});
