/**
 * Every method of the table, called through a real daemon over real HTTP and over the unix
 * socket, against a real regtest node. Nothing any call returns, and nothing the daemon logs,
 * contains key material or a secret we fed in (SPEC §1; issue 3 and issue 7's redaction test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { METHODS } from '../../src/rpc/method-table.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { findKeyMaterial, ok, rpc, startChainDaemon, until, type RunningDaemon } from './e2e-helpers.ts';

const ctx = useRegtestNode();

// Secrets fed through the API: none may come back out, in results or logs.
const WALLET_PASS = 'correct horse battery staple 1';
const NEW_WALLET_PASS = 'correct horse battery staple 2';
const EXPORT_PASS = 'export-passphrase-0123';
const BIP84_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe.each(['http', 'unix'] as const)('every method over %s', (via) => {
  let d: RunningDaemon;
  const called = new Set<string>();
  const outputs: string[] = [];
  const fed = [WALLET_PASS, NEW_WALLET_PASS, EXPORT_PASS];

  beforeAll(async () => {
    // Trace level: the redaction check must hold for the most talkative logging.
    d = await startChainDaemon(ctx.node, undefined, {}, ['--log-level', 'trace']);
    fed.push(d.adminToken);
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  /** Calls over this suite's transport, records the method and its raw output. */
  async function call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
    called.add(method);
    const answer = await rpc(d, d.adminToken, method, params, via);
    // Base64 blobs are scanned apart: random base64 can look like a WIF. A bundle is ciphertext
    // (test/portability decrypts and scans it) and BIP174 has no field for a private key.
    outputs.push(JSON.stringify(answer, (key, value) => (key === 'bundle' || key === 'psbt' ? '[base64]' : value)));
    if (answer.error) throw new Error(`${method}: ${answer.error.data?.code} ${answer.error.message}`);
    // Real results, not fakes, must match the schema the method table declares (and publishes).
    const schema = METHODS.find((m) => m.name === method)!.result;
    expect(Value.Check(schema, answer.result), `${method} result: ${JSON.stringify([...Value.Errors(schema, answer.result)].slice(0, 3))}`).toBe(true);
    return answer.result as T;
  }

  it('runs a wallet through its whole life', async () => {
    const wallet = (await call<{ id: string; locked: boolean }>('create_wallet', { name: `life-${via}`, passphrase: WALLET_PASS }));
    expect(wallet.locked).toBe(true);
    expect((await call<unknown[]>('list_wallets')).length).toBeGreaterThan(0);
    await call('select_wallet', { wallet: wallet.id });
    const w = { wallet: wallet.id };
    await call('get_wallet_info', w);
    const { address } = await call<{ address: string }>('generate_address', { ...w, label: 'salary' });
    expect((await call<Array<{ label: string | null }>>('get_addresses', w))[0]?.label).toBe('salary');
    await ctx.node.fund(address, 10_000_000n);
    await ctx.node.fund(address, 10_000_000n);
    await ctx.node.mine(1);
    await until(() => call<{ confirmed: number }>('get_balance', w), (b) => b.confirmed === 20_000_000);
    await call('get_balance', { ...w, address });
    await call('get_transaction_history', { ...w, limit: 10 });
    await call('get_unspent_outputs', w);

    const to = await ctx.node.rpc<string>('getnewaddress');
    const locked = await rpc(d, d.adminToken, 'send_transaction', { ...w, outputs: [{ address: to, amount: 1_000_000 }] }, via);
    expect(locked.error?.data?.code).toBe('WALLET_LOCKED');
    expect(await call('unlock_wallet', { ...w, passphrase: WALLET_PASS, timeoutSec: 120 })).toBe(true);
    await call('send_transaction', { ...w, outputs: [{ address: to, amount: 1_000_000 }], feeRate: 2, dryRun: true });
    await call('send_all', { ...w, address: to, feeRate: 2, dryRun: true });
    const sent = await call<{ txid: string }>('send_transaction', { ...w, outputs: [{ address: to, amount: 1_000_000 }], feeRate: 2 });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    await call('get_tx_status', { ...w, txid: sent.txid });
    expect((await call<{ hex: string }>('get_transaction', { ...w, txid: sent.txid })).hex).toMatch(/^[0-9a-f]+$/);
    await call('set_label', { ...w, txid: sent.txid, label: 'payout-7' });
    const { labels } = await call<{ labels: string }>('export_labels', w);
    expect((await call<{ imported: number }>('import_labels', { ...w, labels })).imported).toBeGreaterThan(0);
    await call('rescan_wallet', w);
    const signed = await call<{ hex: string }>('sign_transaction', { ...w, outputs: [{ address: to, amount: 500_000 }], feeRate: 2 });
    expect(signed.hex).toMatch(/^[0-9a-f]+$/);
    const funded = await call<{ psbt: string; inputs: string[] }>('create_psbt', { ...w, outputs: [{ address: to, amount: 400_000 }], feeRate: 2 });
    expect(funded.inputs.length).toBeGreaterThan(0);
    await call('release_outputs', w);
    const bumped = await call<{ txid: string; method: string }>('bump_fee', { ...w, txid: sent.txid, feeRate: 5 });
    expect(bumped.method).toBe('rbf');
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(bumped.txid);
    const cancel = await call<{ txid: string }>('cancel_transaction', { ...w, txid: bumped.txid });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(cancel.txid);
    expect(await call('set_passphrase', { ...w, oldPassphrase: WALLET_PASS, newPassphrase: NEW_WALLET_PASS })).toBe(true);
    await call('unlock_wallet', { ...w, passphrase: NEW_WALLET_PASS, timeoutSec: 60 });
    const exported = await call<{ bundle: string }>('export_wallet', { ...w, passphrase: EXPORT_PASS });
    fed.push(exported.bundle);
    const duplicate = await rpc(d, d.adminToken, 'import_wallet', { bundle: exported.bundle, passphrase: EXPORT_PASS }, via);
    expect(duplicate.error?.data?.code).toBe('WALLET_EXISTS');
    await call('lock_wallet', w);
    await call('import_wallet', { mnemonic: BIP84_MNEMONIC, addressType: 'p2wpkh', name: `vector-${via}` });
    await call('backup_wallet', { passphrase: EXPORT_PASS });
  });

  it('runs the token, audit and node methods', async () => {
    const created = await call<{ token: string; id: string }>('token_create', { name: 'reader', scopes: ['wallet:read'] });
    fed.push(created.token);
    expect((await rpc(d, created.token, 'token_info', {}, via)).result).toMatchObject({ id: created.id, scopes: ['wallet:read'] });
    await call('token_info');
    await call('token_list');
    await call('token_revoke', { id: created.id });
    expect((await rpc(d, created.token, 'list_wallets', {}, via)).error?.data?.code).toBe('UNAUTHORIZED');
    const audit = await call<{ entries: Array<{ method: string }> } | Array<{ method: string }>>('get_audit_log', { limit: 100 });
    const entries = Array.isArray(audit) ? audit : audit.entries;
    expect(entries.map((e) => e.method)).toEqual(expect.arrayContaining(['send_transaction', 'cancel_transaction', 'token_create', 'unlock_wallet']));
    const info = await call<{ tipHeight: number; syncHeight: number }>('get_node_info');
    await call('rpc.discover');
    const metrics = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } })).text();
    expect(metrics).toMatch(/^walletd_chain_tip_height \d+$/m);
    expect(metrics).toMatch(/^walletd_chain_sync_lag_blocks \d+$/m);
    // The dry run and the real send.
    expect(metrics).toMatch(/^walletd_rpc_requests_total\{method="send_transaction",outcome="ok"\} 2$/m);
    expect(info.tipHeight).toBeGreaterThanOrEqual(info.syncHeight);
  });

  it('covered every HTTP-callable method of the table', () => {
    const expected = METHODS.filter((m) => !m.websocketOnly).map((m) => m.name);
    expect([...called].sort()).toEqual(expect.arrayContaining(expected));
  });

  it('returned no key material and no fed secret except where the caller must see it', () => {
    // The created token and the export bundle are returned once by design; the rest must not echo.
    const mustNotEcho = [WALLET_PASS, NEW_WALLET_PASS, EXPORT_PASS, BIP84_MNEMONIC];
    for (const text of outputs) expect(findKeyMaterial(text, mustNotEcho), text).toEqual([]);
  });

  it('logged no key material and no fed secret', () => {
    const logText = d.logs.map((l) => JSON.stringify(l)).join('\n') + d.stderr();
    expect(findKeyMaterial(logText, [...fed, BIP84_MNEMONIC])).toEqual([]);
  });
});
