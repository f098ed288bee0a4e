/**
 * Type-level tests of the typed client: names and params come from the method table's schemas,
 * and misuse fails to compile (the @ts-expect-error lines are checked by `tsc --noEmit -p .`).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, type MethodMap, type WalletdClient } from '../../src/client/index.ts';

// Never called over the network: these functions exist only to be type-checked.
function misuse(client: WalletdClient) {
  // @ts-expect-error unknown method
  void client.getBalanse({ wallet: 'w1' });
  // @ts-expect-error wrong param name
  void client.getBalance({ walet: 'w1' });
  // @ts-expect-error wrong param type
  void client.getBalance({ wallet: 1 });
  // @ts-expect-error a required param is missing
  void client.createWallet({});
  // @ts-expect-error amounts are numbers, not strings
  void client.sendTransaction({ outputs: [{ address: 'bcrt1q', amount: '1000' }] });
  // @ts-expect-error call() checks the wire name too
  void client.call('get_balanse', {});
  // @ts-expect-error call() checks params by wire name
  void client.call('get_tx_status', { txid: 5 });
}

describe('typed client (types)', () => {
  it('maps camelCase methods onto the table with schema-derived params and results', () => {
    const client = createClient({ url: 'http://127.0.0.1:1' });
    expectTypeOf(client.getBalance).parameter(0).toEqualTypeOf<{ wallet?: string; address?: string } | undefined>();
    expectTypeOf(client.getBalance).returns.resolves.toEqualTypeOf<MethodMap['get_balance']['result']>();
    expectTypeOf<Awaited<ReturnType<WalletdClient['getBalance']>>>().toHaveProperty('confirmed').toEqualTypeOf<number>();
    expectTypeOf(client.createWallet).parameter(0).toHaveProperty('name').toEqualTypeOf<string>();
    expectTypeOf(client.getTxStatus).parameter(0).toHaveProperty('txid').toEqualTypeOf<string>();
    expectTypeOf(client.call<'get_wallet_info'>).returns.resolves.toHaveProperty('xpub').toEqualTypeOf<string>();
    expectTypeOf<keyof MethodMap>().toMatchTypeOf<string>();
    expectTypeOf<'send_transaction'>().toMatchTypeOf<keyof MethodMap>();
    // Runtime side of the Proxy: any camelCase name becomes a function; `then` stays undefined.
    expect(typeof client.getBalance).toBe('function');
    expect((client as unknown as { then?: unknown }).then).toBeUndefined();
    expect(typeof misuse).toBe('function');
  });
});
