/**
 * Benchmark: address rows written the way the keystore writes them (one transaction, one
 * prepared statement) against the baseline of one transaction per row, side by side in one run
 * on the same SQLCipher keystore. This is the measurement behind batching lookahead addresses.
 *
 *   npm run bench            (ROWS=2000 ROUNDS=5 npm run bench to change the size)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKeystore } from '../src/keystore/index.ts';
import type { AddressRecord, WalletRecord } from '../src/wallet/types.ts';

const ROWS = Number(process.env.ROWS ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const wallet = (id: string): WalletRecord => ({
  id, name: id, network: 'regtest', addressType: 'p2wpkh', accountXpub: `xpub-${id}`, masterFingerprint: '00000000',
  sealedSeed: null, hasPassphrase: false, createdAt: 0, birthHeight: 0, lookahead: 20,
});
const rows = (walletId: string): AddressRecord[] =>
  Array.from({ length: ROWS }, (_, index) => ({
    walletId, chain: 0, index, address: `addr-${walletId}-${index}`, script: index.toString(16).padStart(44, '0'),
    path: `m/84'/1'/0'/0/${index}`, label: null, issued: false, used: false,
  }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'walletd-bench-'));
const keystore = await openKeystore({ datadir: dir });
const timings = { batched: [] as number[], perRow: [] as number[] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const batchedId = `batched-${round}`;
    const perRowId = `per-row-${round}`;
    await keystore.wallets.insertWallet(wallet(batchedId), []);
    await keystore.wallets.insertWallet(wallet(perRowId), []);

    let start = performance.now();
    await keystore.wallets.insertAddresses(rows(batchedId));
    timings.batched.push(performance.now() - start);

    start = performance.now();
    for (const r of rows(perRowId)) await keystore.wallets.insertAddresses([r]);
    timings.perRow.push(performance.now() - start);
  }
} finally {
  await keystore.close();
  rmSync(dir, { recursive: true, force: true });
}

const report = (name: string, ms: number[]) =>
  console.log(`${name.padEnd(28)} median ${median(ms).toFixed(1).padStart(8)} ms  ${(ROWS / (median(ms) / 1000)).toFixed(0).padStart(8)} rows/s`);
console.log(`keystore address writes: ${ROWS} rows x ${ROUNDS} rounds (SQLCipher, WAL, synchronous=FULL)`);
report('one transaction per row', timings.perRow);
report('batched (one tx, one stmt)', timings.batched);
console.log(`speed-up: ${(median(timings.perRow) / median(timings.batched)).toFixed(1)}x`);
