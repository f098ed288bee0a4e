/**
 * Issue 12, item 7: the wrong-passphrase backoff lives in the keystore, so restarting walletd
 * does not hand an attacker a fresh set of guesses. Real SQLCipher keystore, reopened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { openKeystore } from '../../src/keystore/index.ts';
import type { RpcServices } from '../../src/rpc/context.ts';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { ensureAdminToken } from '../../src/rpc/tokens.ts';
import { fail } from '../../src/errors.ts';
import { FakeClock, FakeWalletApi, session, testConfig } from '../rpc/fakes.ts';

/** A wallet whose passphrase is 'right passphrase'. */
class PassphraseWallet extends FakeWalletApi {
  override async unlockWallet(_walletId: string, req: unknown) {
    if ((req as { passphrase: string }).passphrase !== 'right passphrase') fail('BAD_PASSPHRASE');
  }
}

describe('persisted passphrase backoff', () => {
  let dir = '';
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('survives a restart, doubles per failure and clears on success', async () => {
    dir = await mkdtemp(join(tmpdir(), 'walletd-backoff-'));
    const clock = new FakeClock();
    const open = async () => {
      const ks = await openKeystore({ datadir: dir });
      const services: RpcServices = {
        wallets: new PassphraseWallet(), tokens: ks.tokens, spends: ks.tokens, audit: ks.events, clock, config: testConfig(),
        backoff: ks.tokens, nodeInfo: async () => { throw new Error('unused'); },
      };
      const dispatcher = new RpcDispatcher(METHODS, services);
      const { token } = await ensureAdminToken(ks.tokens, join(dir, 'admin.token'), clock.now());
      const s = session(await dispatcher.authenticate(`Bearer ${token}`));
      const unlock = async (passphrase: string) =>
        ((await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'unlock_wallet', params: { wallet: 'w1', passphrase, timeoutSec: 5 } }, s)) as
          JSONRPCResponse & { error?: { data: { code: string; retryAfterMs?: number } } }).error?.data;
      return { ks, unlock };
    };
    let { ks, unlock } = await open();
    expect((await unlock('wrong guess one'))?.code).toBe('BAD_PASSPHRASE');
    clock.t += 1_001;
    expect((await unlock('wrong guess two'))?.code).toBe('BAD_PASSPHRASE');
    await ks.close();

    ({ ks, unlock } = await open());
    // Even the right passphrase waits: the second failure set 2 s, and the restart kept it.
    expect(await unlock('right passphrase')).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 2_000 });
    clock.t += 2_001;
    expect(await unlock('right passphrase')).toBeUndefined();
    expect((await unlock('wrong guess three'))?.code).toBe('BAD_PASSPHRASE');
    expect(await unlock('right passphrase')).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1_000 });
    await ks.close();
  });
});
