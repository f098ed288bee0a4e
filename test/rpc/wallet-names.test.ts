/** SPEC §5: the dispatcher resolves a `wallet` name to its id, by name or by position, before the handler. */
import { describe, expect, it } from 'vitest';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';
import { fakeServices, makeToken, session } from './fakes.ts';

async function setup() {
  const f = fakeServices();
  const dispatcher = new RpcDispatcher(METHODS, f.services);
  const admin = await makeToken(f.stores, [...SCOPES]);
  const s = session(admin.caller);
  const rpc = async (method: string, params: unknown) =>
    (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as { result?: { id: string }; error?: { data: Record<string, unknown> } };
  return { ...f, rpc, s };
}

describe('wallet names', () => {
  it('resolves a unique name given by name or by position, and keeps an unknown value as an id', async () => {
    const { rpc, wallets, s } = await setup();
    expect((await rpc('get_wallet_info', { wallet: 'wallet w2' })).result?.id).toBe('w2');
    expect(wallets.calls.at(-1)).toMatchObject({ op: 'getWalletInfo', walletId: 'w2' });
    expect((await rpc('select_wallet', ['wallet w1'])).result?.id).toBe('w1');
    expect(s.selectedWallet).toBe('w1');
    expect((await rpc('get_wallet_info', { wallet: 'nobody' })).error?.data.code).not.toBe('WALLET_AMBIGUOUS');
  });

  it('refuses a name two wallets share with WALLET_AMBIGUOUS and both ids', async () => {
    const { rpc, wallets } = await setup();
    const twins = [
      { id: 'w1', name: 'twin', network: 'regtest' as const, addressType: 'p2wpkh' as const, watchOnly: false, locked: true },
      { id: 'w2', name: 'twin', network: 'regtest' as const, addressType: 'p2wpkh' as const, watchOnly: false, locked: true },
    ];
    wallets.listWallets = async () => twins;
    const res = await rpc('get_balance', { wallet: 'twin' });
    expect(res.error?.data).toEqual({ code: 'WALLET_AMBIGUOUS', wallet: 'twin', wallets: ['w1', 'w2'] });
    expect(wallets.calls.some((c) => c.op === 'getBalance')).toBe(false);
  });
});
