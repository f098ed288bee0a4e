/**
 * The three RPC entries through the real dispatcher over a real keystore: results match their
 * schemas, secrets never come back, and a wallet-bound token cannot back up every wallet.
 */
import type { JSONRPCErrorResponse, JSONRPCResponse } from 'json-rpc-2.0';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { fakeServices, makeToken, session } from '../rpc/fakes.ts';
import { FakePortability } from './fake-portability.ts';
import type { Scope } from '../../src/rpc/scopes.ts';
import { ABANDON, openStack, type Stack } from './helpers.ts';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function rpc(stack: Stack, constraints = {}, scopes: Scope[] = ['wallet:admin', 'wallet:read', 'wallet:export']) {
  const f = fakeServices();
  f.services.wallets = stack.service;
  f.services.portability = stack.portability;
  const dispatcher = new RpcDispatcher(METHODS, f.services);
  const { caller } = await makeToken(f.stores, scopes, constraints);
  const s = session(caller);
  return async (method: string, params: unknown) =>
    (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as JSONRPCResponse;
}

const errCode = (r: JSONRPCResponse) => (r as JSONRPCErrorResponse).error?.data?.code as string | undefined;

describe('portability RPC methods', () => {
  it('export_wallet → import_wallet over JSON-RPC, echoing no secret', async () => {
    const a = await openStack();
    const b = await openStack();
    stacks.push(a, b);
    const callA = await rpc(a);
    const imported = await callA('import_wallet', { mnemonic: ABANDON, name: 'm', passphrase: 'wallet secret pass' });
    expect(imported.error).toBeUndefined();
    const id = (imported.result as { id: string }).id;
    expect(JSON.stringify(imported)).not.toMatch(/abandon|wallet secret pass/);
    expect(errCode(await callA('export_wallet', { wallet: id, passphrase: 'bundle pass 1234' }))).toBe('WALLET_LOCKED');
    const short = await callA('export_wallet', { wallet: id, passphrase: 'short' });
    expect(errCode(short)).toBe('INVALID_PARAMS');
    expect(JSON.stringify(short)).not.toContain('short"');
    await callA('unlock_wallet', { wallet: id, passphrase: 'wallet secret pass', timeoutSec: 60 });
    const exported = await callA('export_wallet', { wallet: id, passphrase: 'bundle pass 1234' });
    expect(exported.error).toBeUndefined();
    const { bundle } = exported.result as { bundle: string };
    const callB = await rpc(b);
    const wrong = await callB('import_wallet', { bundle, passphrase: 'not the bundle pass' });
    expect(errCode(wrong)).toBe('BAD_PASSPHRASE');
    expect(JSON.stringify(wrong)).not.toContain('not the bundle pass');
    const restored = await callB('import_wallet', { bundle, passphrase: 'bundle pass 1234' });
    expect(restored.error).toBeUndefined();
    expect(restored.result).toMatchObject({ name: 'm', watchOnly: false, wallets: [{ name: 'm' }] });
    expect(errCode(await callB('import_wallet', { bundle, passphrase: 'bundle pass 1234' }))).toBe('WALLET_EXISTS');
  });

  it('backup_wallet writes a file for an unbound token and refuses a wallet-bound one', async () => {
    const a = await openStack();
    stacks.push(a);
    const call = await rpc(a);
    const w = await call('import_wallet', { mnemonic: ABANDON });
    const ok = await call('backup_wallet', { passphrase: 'backup pass 1234' });
    expect(ok.result).toMatchObject({ wallets: 1 });
    expect(errCode(await call('backup_wallet', {}))).toBe('INVALID_PARAMS');
    const bound = await rpc(a, { wallets: [(w.result as { id: string }).id] });
    expect(errCode(await bound('backup_wallet', { passphrase: 'backup pass 1234' }))).toBe('FORBIDDEN_SCOPE');
    // Issue 12: wallet:admin alone cannot choose the passphrase a seed leaves under.
    const admin = await rpc(a, {}, ['wallet:admin', 'wallet:read']);
    expect((await admin('backup_wallet', { passphrase: 'backup pass 1234' })) as JSONRPCErrorResponse).toMatchObject({
      error: { data: { code: 'FORBIDDEN_SCOPE', scope: 'wallet:export' } },
    });
    expect(errCode(await admin('export_wallet', { wallet: (w.result as { id: string }).id, passphrase: 'bundle pass 1234' }))).toBe('FORBIDDEN_SCOPE');
  });

  it('the fake used by RPC unit tests answers with schema-valid results', async () => {
    const f = fakeServices();
    f.services.portability = new FakePortability();
    const dispatcher = new RpcDispatcher(METHODS, f.services);
    const { caller } = await makeToken(f.stores, ['wallet:admin', 'wallet:export']);
    const s = session(caller);
    s.selectedWallet = 'w1';
    for (const [method, params] of [['export_wallet', { passphrase: 'twelve chars!' }], ['import_wallet', { xpub: 'tpubX' }], ['backup_wallet', {}]] as const) {
      const r = (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as JSONRPCResponse;
      expect(r.error, method).toBeUndefined();
    }
  });
});
