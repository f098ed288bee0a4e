/** Protocol behaviour of the dispatcher: shapes, batches, limits, params, errors, audit, wallet resolution. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import type { JSONRPCErrorResponse, JSONRPCResponse } from 'json-rpc-2.0';
import { pino } from 'pino';
import { defineMethod } from '../../src/rpc/define-method.ts';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';
import { fakeServices, makeToken, session, testConfig } from './fakes.ts';

type Resp = JSONRPCResponse & { error?: JSONRPCErrorResponse['error'] };

async function setup(rpc: Parameters<typeof testConfig>[0] = {}, extra: typeof METHODS = []) {
  const f = fakeServices({ config: testConfig(rpc) });
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk, _enc, cb) { lines.push(JSON.parse(chunk.toString())); cb(); },
  }));
  const calls: Array<[string, string]> = [];
  const dispatcher = new RpcDispatcher([...METHODS, ...extra], f.services, {
    logger, onCall: (m, outcome) => calls.push([m, outcome]),
  });
  const admin = await makeToken(f.stores, [...SCOPES]);
  const s = session(admin.caller);
  const rpc1 = async (method: string, params?: unknown, sess = s) =>
    (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method, ...(params !== undefined ? { params } : {}) }, sess)) as Resp;
  return { ...f, dispatcher, admin, s, rpc: rpc1, lines, calls, logger };
}

describe('protocol', () => {
  it('rejects non-2.0 and malformed requests with -32600', async () => {
    const { dispatcher, s } = await setup();
    for (const bad of [{ jsonrpc: '1.0', id: 1, method: 'token_info' }, { jsonrpc: '2.0', id: 1, method: 5 }, null, 42,
      { jsonrpc: '2.0', id: {}, method: 'token_info' }, { jsonrpc: '2.0', id: 1, method: 'token_info', params: 'x' }]) {
      const res = (await dispatcher.handle(bad, s)) as Resp;
      expect(res.error?.code).toBe(-32600);
    }
    expect(((await dispatcher.handle([], s)) as Resp).error?.code).toBe(-32600);
  });

  it('answers -32700 to unparseable text and -32601 to an unknown method', async () => {
    const { dispatcher, s, rpc } = await setup();
    expect(((await dispatcher.handle('{nope', s)) as Resp).error?.code).toBe(-32700);
    expect((await rpc('no_such_method')).error?.code).toBe(-32601);
    const none = session(null);
    expect((await rpc('no_such_method', undefined, none)).error?.code).toBe(-32601);
  });

  it('answers a batch with an array, skips notifications, and isolates bad entries', async () => {
    const { dispatcher, s } = await setup();
    const res = (await dispatcher.handle([
      { jsonrpc: '2.0', id: 'a', method: 'token_info' },
      { jsonrpc: '2.0', method: 'token_info' },
      null,
      { jsonrpc: '2.0', id: 'c', method: 'nope' },
    ], s)) as Resp[];
    expect(res.map((r) => r.id)).toEqual(['a', null, 'c']);
    expect(res[0]!.result.scopes).toEqual([...SCOPES]);
    expect(res[1]!.error?.code).toBe(-32600);
    expect(res[2]!.error?.code).toBe(-32601);
    expect(await dispatcher.handle({ jsonrpc: '2.0', method: 'token_info' }, s)).toBeNull();
  });

  it('caps the batch length with one REQUEST_TOO_LARGE answer', async () => {
    const { dispatcher, s } = await setup({ maxBatch: 3 });
    const req = { jsonrpc: '2.0', id: 1, method: 'token_info' };
    expect(Array.isArray(await dispatcher.handle([req, req, req], s))).toBe(true);
    const res = (await dispatcher.handle([req, req, req, req], s)) as Resp;
    expect(res.error?.data.code).toBe('REQUEST_TOO_LARGE');
  });

  it('rate-limits per token, from the token constraint or the config default', async () => {
    const { rpc, stores, clock } = await setup({ rateLimitPerMin: 3 });
    const limited = await makeToken(stores, ['wallet:read'], { rateLimit: 2 });
    const s1 = session(limited.caller);
    expect((await rpc('token_info', undefined, s1)).error).toBeUndefined();
    expect((await rpc('token_info', undefined, s1)).error).toBeUndefined();
    expect((await rpc('token_info', undefined, s1)).error?.data.code).toBe('RATE_LIMITED');
    const other = await makeToken(stores, ['wallet:read']);
    const s2 = session(other.caller);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await rpc('token_info', undefined, s2)).error?.data.code ?? 'ok');
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    clock.t += 60_000; // a minute refills the bucket
    expect((await rpc('token_info', undefined, s1)).error).toBeUndefined();
  });
});

describe('params', () => {
  it('names the bad field, including nested and unknown ones', async () => {
    const { rpc } = await setup();
    const cases: Array<[string, unknown, string]> = [
      ['get_tx_status', { wallet: 'w1', txid: 'xyz' }, 'txid'],
      ['send_transaction', { wallet: 'w1', outputs: [{ address: 'bcrt1q', amount: 1.5 }] }, 'outputs.0.amount'],
      ['send_transaction', { wallet: 'w1', outputs: [] }, 'outputs'],
      ['get_balance', { wallet: 'w1', adress: 'typo' }, 'adress'],
      ['create_wallet', {}, 'name'],
      ['send_transaction', { wallet: 'w1', outputs: [{ address: 'a', amount: 1 }], feeRate: 2, confTarget: 3 }, 'confTarget'],
    ];
    for (const [method, params, field] of cases) {
      const res = await rpc(method, params);
      expect(res.error?.code, method).toBe(-32602);
      expect(res.error?.data).toMatchObject({ code: 'INVALID_PARAMS', field });
    }
  });

  it('accepts positional params only where the method declares their order', async () => {
    const { rpc, wallets } = await setup();
    const txid = 'cd'.repeat(32);
    wallets.calls.length = 0;
    await rpc('select_wallet', ['w2']);
    const res = await rpc('get_tx_status', [txid]);
    expect(res.result.txid).toBe(txid);
    expect(wallets.calls[0]).toMatchObject({ op: 'getTxStatus', walletId: 'w2' });
    expect((await rpc('get_wallet_info', ['w1'])).error?.data).toMatchObject({ code: 'INVALID_PARAMS', field: 'params' });
    expect((await rpc('get_tx_status', [txid, 'extra'])).error?.data.code).toBe('INVALID_PARAMS');
  });

  it('defaults history limit to 50 and minConf to 1', async () => {
    const { rpc, wallets } = await setup();
    await rpc('get_transaction_history', { wallet: 'w1' });
    await rpc('get_unspent_outputs', { wallet: 'w1' });
    expect(wallets.calls.map((c) => c.req)).toEqual([{ limit: 50 }, { minConf: 1 }]);
  });
});

describe('errors and logging', () => {
  const boom = defineMethod({
    name: 'test_boom', summary: 'throws', scope: 'node:read',
    params: Type.Object({}), result: Type.Null(),
    handler: async () => { throw new Error('secret detail xprv9s21ZrQH143K'); },
  });

  it('maps unknown errors to INTERNAL without detail, and logs it instead', async () => {
    const { rpc, lines, admin } = await setup({}, [boom]);
    const res = await rpc('test_boom');
    expect(res.error).toEqual({ code: -32603, message: 'Internal error', data: { code: 'INTERNAL' } });
    expect(JSON.stringify(res)).not.toContain('secret');
    expect(lines.some((l) => l.msg === 'rpc handler failed')).toBe(true);
    const callLine = lines.find((l) => l.msg === 'rpc call' && l.method === 'test_boom')!;
    expect(callLine).toMatchObject({ tokenId: admin.caller.id, outcome: 'INTERNAL', reqId: 1 });
    expect(lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(admin.token);
  });

  it('scrubs key material and the call\'s secret params from a logged unexpected error (SPEC §1)', async () => {
    const xprv = 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LL7FSt5kLQ7CpvAw9UZg4gT6qxSsBS8Fvk';
    const mnemonic = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const passphrase = 'hunter2-very-private';
    const leaky = defineMethod({
      name: 'test_leaky', summary: 'throws a library error quoting its input', scope: 'node:read',
      positional: ['passphrase'],
      params: Type.Object({ passphrase: Type.String() }), result: Type.Null(),
      handler: async ({ params }) => {
        throw new SyntaxError(`Unexpected token in "${params.passphrase}" near ${xprv} / ${mnemonic}`);
      },
    });
    const { rpc, lines } = await setup({}, [leaky]);
    expect((await rpc('test_leaky', { passphrase })).error?.data.code).toBe('INTERNAL');
    expect((await rpc('test_leaky', [passphrase])).error?.data.code).toBe('INTERNAL');
    const failures = lines.filter((l) => l.msg === 'rpc handler failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ err: { name: 'SyntaxError' } });
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const secret of [passphrase, xprv.slice(0, 40), 'abandon abandon abandon']) expect(text).not.toContain(secret);
  });

  it('puts the request id and the token id (never the token) on every log line of a call (issue 7)', async () => {
    const chatty = defineMethod({
      name: 'test_chatty', summary: 'logs, then returns a result off its schema', scope: 'node:read',
      params: Type.Object({}), result: Type.Null(),
      handler: async ({ ctx }) => {
        ctx.logger.info('handler says hello');
        return 'not null' as unknown as null;
      },
    });
    const { rpc, lines, admin, stores } = await setup({}, [boom, chatty]);
    stores.appendAudit = async () => { throw new Error('disk full'); };
    await rpc('test_chatty');
    await rpc('test_boom');
    await rpc('lock_wallet', { wallet: 'w1' }); // audited: the audit write fails and is logged
    await rpc('no_such_method');
    const msgs = ['handler says hello', 'rpc result does not match its schema', 'rpc handler failed', 'audit write failed', 'rpc unknown method', 'rpc call'];
    for (const msg of msgs) {
      const found = lines.filter((l) => l.msg === msg);
      expect(found.length, msg).toBeGreaterThan(0);
      for (const line of found) expect(line, msg).toMatchObject({ reqId: 1, tokenId: admin.caller.id });
    }
    expect(lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(admin.token);
  });

  it('builds no child logger for a call whose handler does not log, and one for a handler that logs twice', async () => {
    const twice = defineMethod({
      name: 'test_twice', summary: 'logs twice', scope: 'node:read',
      params: Type.Object({}), result: Type.Null(),
      handler: async ({ ctx }) => {
        ctx.logger.info('one');
        ctx.logger.info('two');
        return null;
      },
    });
    const { rpc, lines, admin, logger } = await setup({}, [twice]);
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children += 1;
      return child(...args);
    }) as typeof logger.child;
    expect((await rpc('token_info')).error).toBeUndefined();
    expect(children).toBe(0);
    expect(lines.find((l) => l.msg === 'rpc call' && l.method === 'token_info')).toMatchObject({ reqId: 1, tokenId: admin.caller.id, outcome: 'ok' });
    expect((await rpc('test_twice')).error).toBeUndefined();
    expect(children).toBe(1);
    expect(lines.filter((l) => l.msg === 'one' || l.msg === 'two')).toHaveLength(2);
  });

  it('maps WalletdError with its numeric code and data.code, and reports outcomes to onCall', async () => {
    const { rpc, calls } = await setup();
    const res = await rpc('get_balance', {});
    expect(res.error).toMatchObject({ code: -19, data: { code: 'WALLET_NOT_SELECTED' } });
    expect(calls).toContainEqual(['get_balance', 'WALLET_NOT_SELECTED']);
  });
});

describe('wallet resolution (SPEC §5)', () => {
  it('uses the explicit param, then the selection, then the token\'s only wallet', async () => {
    const { rpc, wallets, stores, s } = await setup();
    wallets.calls.length = 0;
    await rpc('get_balance', { wallet: 'w2' });
    await rpc('select_wallet', { wallet: 'w1' });
    await rpc('get_balance', {});
    const single = await makeToken(stores, ['wallet:read'], { wallets: ['w2'] });
    await rpc('get_balance', {}, session(single.caller));
    expect(wallets.calls.filter((c) => c.op === 'getBalance').map((c) => c.walletId)).toEqual(['w2', 'w1', 'w2']);
    expect(s.selectedWallet).toBe('w1');
    expect((await rpc('select_wallet', { wallet: 'nope' })).error?.data.code).toBe('WALLET_NOT_FOUND');
  });

  it('list_wallets shows only the token\'s wallets', async () => {
    const { rpc, stores } = await setup();
    expect((await rpc('list_wallets')).result.map((w: { id: string }) => w.id)).toEqual(['w1', 'w2']);
    const bound = await makeToken(stores, ['wallet:read'], { wallets: ['w2'] });
    expect((await rpc('list_wallets', {}, session(bound.caller))).result.map((w: { id: string }) => w.id)).toEqual(['w2']);
  });
});

describe('sessions', () => {
  it('auth {token} authenticates a WebSocket session; a bad token is UNAUTHORIZED', async () => {
    const { rpc, admin } = await setup();
    const ws = session(null, 'ws');
    expect((await rpc('token_info', undefined, ws)).error?.data.code).toBe('UNAUTHORIZED');
    expect((await rpc('auth', { token: `${admin.token}x` }, ws)).error?.data.code).toBe('UNAUTHORIZED');
    const res = await rpc('auth', { token: admin.token }, ws);
    expect(res.result).toMatchObject({ id: admin.caller.id, scopes: [...SCOPES] });
    expect((await rpc('token_info', undefined, ws)).result.id).toBe(admin.caller.id);
  });

  it('a revoked or expired token stops working on a live session', async () => {
    const { rpc, stores, clock } = await setup();
    const t = await makeToken(stores, ['wallet:read'], { expiresAt: clock.now() + 1000 });
    const ws = session(t.caller, 'ws');
    expect((await rpc('token_info', undefined, ws)).error).toBeUndefined();
    clock.t += 1000;
    expect((await rpc('token_info', undefined, ws)).error?.data.code).toBe('TOKEN_EXPIRED');
    const u = await makeToken(stores, ['wallet:read']);
    const ws2 = session(u.caller, 'ws');
    await rpc('token_revoke', { id: u.caller.id });
    expect((await rpc('token_info', undefined, ws2)).error?.data.code).toBe('UNAUTHORIZED');
  });

  it('trusts a token the transport read for this request, still checking its expiry', async () => {
    const { rpc, stores, clock } = await setup();
    const t = await makeToken(stores, ['wallet:read'], { expiresAt: clock.now() + 1000 });
    const fresh = { ...session(t.caller), tokenFresh: true };
    let reads = 0;
    const getToken = stores.getToken.bind(stores);
    stores.getToken = async (id: string) => {
      reads += 1;
      return getToken(id);
    };
    expect((await rpc('token_info', undefined, fresh)).result).toMatchObject({ id: t.caller.id });
    expect(reads).toBe(0);
    clock.t += 1000;
    expect((await rpc('token_info', undefined, fresh)).error?.data.code).toBe('TOKEN_EXPIRED');
    // Without the mark, the session's token is read again.
    clock.t -= 1000;
    expect((await rpc('token_info', undefined, session(t.caller))).error).toBeUndefined();
    expect(reads).toBe(1);
  });

  it('authenticate() accepts a Bearer header value and refuses a missing one', async () => {
    const { dispatcher, admin } = await setup();
    expect((await dispatcher.authenticate(`Bearer ${admin.token}`)).id).toBe(admin.caller.id);
    await expect(dispatcher.authenticate(undefined)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('sends, limits and audit', () => {
  const out = (amount: number) => [{ address: 'bcrt1qdest', amount }];

  it('records spends and enforces maxSendPerDay across concurrent sends', async () => {
    const { rpc, stores, wallets } = await setup();
    wallets.sendDelayMs = 5;
    const t = await makeToken(stores, ['wallet:send'], { wallets: ['w1'], maxSendPerDay: 1500 });
    const s = session(t.caller);
    const results = await Promise.all([rpc('send_transaction', { outputs: out(1000) }, s), rpc('send_transaction', { outputs: out(1000) }, s)]);
    const codes = results.map((r) => r.error?.data.code ?? 'ok').sort();
    expect(codes).toEqual(['SPEND_LIMIT', 'ok']);
    // Amount plus the fake's 141-sat fee (SPEC §4: what leaves the wallet counts).
    expect(await stores.spentSince(t.caller.id, 0)).toBe(1141n);
  });

  it('writes audit entries for state-changing calls, with wallet, outcome and txid', async () => {
    const { rpc, stores, admin } = await setup();
    const ok = await rpc('send_transaction', { wallet: 'w1', outputs: out(500) });
    await rpc('lock_wallet', { wallet: 'w2' });
    await rpc('get_balance', { wallet: 'w1' }); // not audited
    await rpc('unlock_wallet', { wallet: 'w1', passphrase: 'p', timeoutSec: 0 });
    expect(stores.audits.map(({ method, walletId, outcome, txid, tokenId }) => ({ method, walletId, outcome, txid, tokenId }))).toEqual([
      { method: 'send_transaction', walletId: 'w1', outcome: 'ok', txid: ok.result.txid, tokenId: admin.caller.id },
      { method: 'lock_wallet', walletId: 'w2', outcome: 'ok', txid: null, tokenId: admin.caller.id },
      { method: 'unlock_wallet', walletId: null, outcome: 'INVALID_PARAMS', txid: null, tokenId: admin.caller.id },
    ]);
    const log = await rpc('get_audit_log', { limit: 2 });
    expect(log.result.map((e: { method: string }) => e.method)).toEqual(['unlock_wallet', 'lock_wallet']);
    expect(JSON.stringify(stores.audits)).not.toContain('"p"');
  });

  it('sign_transaction counts against a constrained token\'s limits, and refuses it foreign PSBTs', async () => {
    const { rpc, stores } = await setup();
    const t = await makeToken(stores, ['wallet:sign'], { wallets: ['w1'], maxSendPerDay: 1500 });
    const s = session(t.caller);
    expect((await rpc('sign_transaction', { outputs: out(1000) }, s)).error).toBeUndefined();
    expect((await rpc('sign_transaction', { outputs: out(1000) }, s)).error?.data.code).toBe('SPEND_LIMIT');
    expect((await rpc('sign_transaction', { psbt: 'cHNidP8=' }, s)).error?.data).toMatchObject({ code: 'SPEND_LIMIT', limit: 'psbt' });
    expect(await stores.spentSince(t.caller.id, 0)).toBe(1200n);
    const free = await makeToken(stores, ['wallet:sign'], { wallets: ['w1'] });
    expect((await rpc('sign_transaction', { psbt: 'cHNidP8=' }, session(free.caller))).error).toBeUndefined();
  });

  it('unlock_wallet returns true', async () => {
    const { rpc } = await setup();
    expect((await rpc('unlock_wallet', { wallet: 'w1', passphrase: 'pass', timeoutSec: 60 })).result).toBe(true);
  });
});

describe('token methods', () => {
  it('token_create mints a subset token, inheriting the parent\'s limits; wider requests are FORBIDDEN_SCOPE', async () => {
    const { rpc, stores, clock } = await setup();
    const parent = await makeToken(stores, ['tokens:admin', 'wallet:read'], { wallets: ['w1'], maxSendPerDay: 100 });
    const s = session(parent.caller);
    const created = await rpc('token_create', { name: 'child', scopes: ['wallet:read'] }, s);
    expect(created.result.token).toMatch(/^wd_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(created.result.constraints).toEqual({ wallets: ['w1'], maxSendPerDay: 100 });
    const wider = [
      { scopes: ['wallet:send'] },
      { scopes: ['wallet:read'], constraints: { wallets: ['w1', 'w2'] } },
      { scopes: ['wallet:read'], constraints: { maxSendPerDay: 101 } },
    ];
    for (const p of wider) {
      expect((await rpc('token_create', { name: 'x', ...p }, s)).error?.data.code).toBe('FORBIDDEN_SCOPE');
    }
    const past = new Date(clock.now() - 1).toISOString();
    expect((await rpc('token_create', { name: 'x', scopes: ['wallet:read'], constraints: { expiresAt: past } }, s)).error?.data)
      .toMatchObject({ code: 'INVALID_PARAMS', field: 'constraints.expiresAt' });
  });

  it('token_list never shows a secret or hash; token_revoke refuses a more powerful target', async () => {
    const { rpc, stores, admin } = await setup();
    const narrow = await makeToken(stores, ['tokens:admin']);
    const list = await rpc('token_list');
    const text = JSON.stringify(list.result);
    for (const rec of stores.tokens.values()) expect(text).not.toContain(rec.secretHash);
    expect(text).not.toContain(admin.token.split('_')[2]!);
    const s = session(narrow.caller);
    expect((await rpc('token_revoke', { id: admin.caller.id }, s)).error?.data.code).toBe('FORBIDDEN_SCOPE');
    expect((await rpc('token_revoke', { id: 'ffffffffffffffff' })).error?.data.code).toBe('TOKEN_NOT_FOUND');
    expect((await rpc('token_revoke', { id: narrow.caller.id })).result).toBe(true);
  });
});
