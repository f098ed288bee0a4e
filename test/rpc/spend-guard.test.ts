/** The spend guard: per-tx limit, rolling 24 h limit from the ledger, allowed destinations. */
import { describe, expect, it } from 'vitest';
import type { CallerToken } from '../../src/rpc/context.ts';
import { SPEND_WINDOW_MS, createSpendGuard } from '../../src/rpc/spend-guard.ts';
import { MemoryStores } from './fakes.ts';

const token = (constraints: CallerToken['constraints']): CallerToken => ({ id: 't1', name: 't', scopes: ['wallet:send'], constraints });
const DEST = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

describe('spend guard', () => {
  it('passes anything for an unconstrained token', async () => {
    const guard = createSpendGuard(token({}), new MemoryStores(), () => 0);
    await expect(guard({ amount: 10n ** 15n, fee: 0n, destinations: [DEST] })).resolves.toBeUndefined();
  });

  it('enforces maxSendPerTx', async () => {
    const guard = createSpendGuard(token({ maxSendPerTx: 1000 }), new MemoryStores(), () => 0);
    await expect(guard({ amount: 1000n, fee: 0n, destinations: [DEST] })).resolves.toBeUndefined();
    await expect(guard({ amount: 1001n, fee: 0n, destinations: [DEST] })).rejects.toMatchObject({ code: 'SPEND_LIMIT', details: { limit: 'maxSendPerTx' } });
  });

  it('enforces maxSendPerDay over a rolling 24 h window of the ledger', async () => {
    const ledger = new MemoryStores();
    let now = 10 * SPEND_WINDOW_MS;
    const guard = createSpendGuard(token({ maxSendPerDay: 1000 }), ledger, () => now);
    await ledger.recordSpend('t1', 'w1', 'tx1', 600n, now - SPEND_WINDOW_MS + 1);
    await ledger.recordSpend('other', 'w1', 'tx2', 900n, now); // another token's spends do not count
    await expect(guard({ amount: 400n, fee: 0n, destinations: [DEST] })).resolves.toBeUndefined();
    await expect(guard({ amount: 401n, fee: 0n, destinations: [DEST] })).rejects.toMatchObject({ code: 'SPEND_LIMIT', details: { limit: 'maxSendPerDay' } });
    now += 2; // the first spend is now older than 24 h
    await expect(guard({ amount: 1000n, fee: 0n, destinations: [DEST] })).resolves.toBeUndefined();
  });

  it('enforces allowedDestinations, with bech32 compared case-insensitively', async () => {
    const guard = createSpendGuard(token({ allowedDestinations: [DEST] }), new MemoryStores(), () => 0);
    await expect(guard({ amount: 1n, fee: 0n, destinations: [DEST.toUpperCase()] })).resolves.toBeUndefined();
    await expect(guard({ amount: 1n, fee: 0n, destinations: [DEST, 'bcrt1qother'] }))
      .rejects.toMatchObject({ code: 'DESTINATION_NOT_ALLOWED', details: { address: 'bcrt1qother' } });
  });
});
