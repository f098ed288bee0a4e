/** Tokens, spend ledger and audit over the real SQLCipher keystore, across a reopen. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { openKeystore } from '../../src/keystore/index.ts';
import type { RpcServices } from '../../src/rpc/context.ts';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { ensureAdminToken } from '../../src/rpc/tokens.ts';
import { FakeClock, FakeWalletApi, session, testConfig } from './fakes.ts';

describe('RPC over the real keystore', () => {
  let dir = '';
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('keeps the admin token, child tokens, the 24 h spend window and the audit log across a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'walletd-rpc-'));
    const clock = new FakeClock();
    const adminPath = join(dir, 'admin.token');
    const open = async () => {
      const ks = await openKeystore({ datadir: dir });
      const services: RpcServices = {
        wallets: new FakeWalletApi(), tokens: ks.tokens, spends: ks.tokens, audit: ks.events, clock, config: testConfig(),
        nodeInfo: async () => { throw new Error('unused'); },
      };
      return { ks, dispatcher: new RpcDispatcher(METHODS, services) };
    };
    const call = async (d: RpcDispatcher, bearer: string, method: string, params?: unknown) => {
      const s = session(await d.authenticate(`Bearer ${bearer}`));
      return (await d.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as JSONRPCResponse;
    };

    let { ks, dispatcher } = await open();
    const admin = await ensureAdminToken(ks.tokens, adminPath, clock.now());
    expect(admin.created).toBe(true);
    expect((await stat(adminPath)).mode & 0o777).toBe(0o600);
    const child = await call(dispatcher, admin.token, 'token_create', {
      name: 'shop', scopes: ['wallet:send'], constraints: { wallets: ['w1'], maxSendPerDay: 1500 },
    });
    const childToken: string = child.result.token;
    expect((await call(dispatcher, childToken, 'send_transaction', { outputs: [{ address: 'bcrt1qdest', amount: 1000 }] })).error).toBeUndefined();
    await ks.close();

    ({ ks, dispatcher } = await open());
    // The cookie rotates; the token it minted (a root) keeps working and keeps its ledger.
    const cookie = await ensureAdminToken(ks.tokens, adminPath, clock.now());
    expect(cookie.token).not.toBe(admin.token);
    const again = await call(dispatcher, childToken, 'send_transaction', { outputs: [{ address: 'bcrt1qdest', amount: 1000 }] });
    expect(again.error?.data.code).toBe('SPEND_LIMIT');
    clock.t += 24 * 3600 * 1000 + 1;
    expect((await call(dispatcher, childToken, 'send_transaction', { outputs: [{ address: 'bcrt1qdest', amount: 1000 }] })).error).toBeUndefined();
    const log = await call(dispatcher, cookie.token, 'get_audit_log', {});
    expect(log.result.map((e: { method: string; outcome: string }) => `${e.method}:${e.outcome}`)).toEqual([
      'send_transaction:ok', 'send_transaction:SPEND_LIMIT', 'send_transaction:ok', 'token_create:ok',
    ]);
    await ks.close();
  });
});
