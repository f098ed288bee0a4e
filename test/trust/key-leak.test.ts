/**
 * Issue 16, point 5: a wallet imported from a known mnemonic is driven through a representative
 * set of calls against a real daemon and regtest node, and everything that leaves the daemon is
 * captured: results, errors, WebSocket notifications, trace-level log lines, /metrics, the
 * backup and the bundle, and every file of the data dir (the SQLCipher keystore included).
 * None may hold a known secret in any encoding (known-secrets.ts), nor key material of any
 * other wallet (findKeyMaterial, shared with the e2e tests). Rounds: WALLETD_TRUST_LEAK_ROUNDS.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mnemonicToSeedSync } from 'bip39';
import { BIP32Factory } from 'bip32';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKeyMaterial, ok, rpc, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { FuzzSocket } from './fuzz-transport.ts';
import { knownSecrets } from './known-secrets.ts';
import { trustSize } from './trust-sizes.ts';

const ROUNDS = trustSize('WALLETD_TRUST_LEAK_ROUNDS', 1);
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const WALLET_PASSPHRASE = 'leak test wallet passphrase';
const BUNDLE_PASSPHRASE = 'leak test bundle passphrase';

const ctx = useRegtestNode();
let d: RunningDaemon;
const captured: Array<{ where: string; bytes: Buffer }> = [];
const keep = (where: string, value: unknown) =>
  captured.push({ where, bytes: Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) });

beforeAll(async () => {
  d = await startChainDaemon(ctx.node, undefined, {}, ['--log-level', 'trace']);
});
afterAll(async () => {
  d?.child.kill('SIGTERM');
  await d?.exited;
});

/** Calls and keeps the whole answer, result or error. */
async function call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
  const answer = await rpc(d, d.adminToken, method, params);
  keep(`${method} answer`, answer);
  return answer.result as T;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the known secret forms', () => {
  it('are the encodings bip32 and ecpair produce, so the scan looks for the real strings', () => {
    const params = ctx.node.networkParams;
    const { forms } = knownSecrets(MNEMONIC, params, 1);
    const root = BIP32Factory(ecc).fromSeed(mnemonicToSeedSync(MNEMONIC), params);
    const texts = forms.map((f) => f.text);
    expect(texts).toContain(root.toBase58());
    expect(texts).toContain(root.derivePath("m/84'/1'/0'").toBase58());
    const key = root.derivePath("m/84'/1'/0'/0/3");
    expect(texts).toContain(ECPairFactory(ecc).fromPrivateKey(Buffer.from(key.privateKey!), { network: params }).toWIF());
    expect(texts).toContain(Buffer.from(key.privateKey!).toString('hex'));
  });
});

describe(`key-leak scan of a known wallet (${ROUNDS} round(s))`, () => {
  it('lets no known secret out in any encoding, through any channel', async () => {
    const wallet = (await call<{ id: string }>('import_wallet', { mnemonic: MNEMONIC, name: 'known', walletPassphrase: WALLET_PASSPHRASE })).id;
    expect(wallet).toEqual(expect.any(String));
    const ws = await FuzzSocket.open(d.url, d.adminToken);
    await ws.exchange(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { wallet, events: ['tx', 'confirmation', 'balance', 'block'] } }));

    await call('unlock_wallet', { wallet, passphrase: WALLET_PASSPHRASE, timeoutSec: 600 });
    const first = await call<{ address: string }>('generate_address', { wallet });
    // Only the right derivation path makes the expected secrets the wallet's real ones.
    const secrets = knownSecrets(MNEMONIC, ctx.node.networkParams, 1);
    expect(first.address).toBe(secrets.firstAddress);

    const dest = await ctx.node.rpc<string>('getnewaddress');
    for (let round = 0; round < ROUNDS; round += 1) {
      const { address } = await call<{ address: string }>('generate_address', { wallet });
      await ctx.node.fund(address, 2_000_000n);
      await ctx.node.mine(1);
      await until(() => ok<{ confirmed: number }>(d, d.adminToken, 'get_balance', { wallet }), (b) => b.confirmed >= 2_000_000);
      const sent = await call<{ txid: string }>('send_transaction', { wallet, outputs: [{ address: dest, amount: 300_000 }], feeRate: 2 });
      expect(sent.txid).toMatch(/^[0-9a-f]{64}$/);
      await call('sign_transaction', { wallet, outputs: [{ address: dest, amount: 100_000 }], feeRate: 2 });
      await call('release_outputs', { wallet });
      await call('create_psbt', { wallet, outputs: [{ address: dest, amount: 100_000 }], feeRate: 2 });
      for (const method of ['get_wallet_info', 'get_balance', 'get_addresses', 'get_unspent_outputs', 'get_transaction_history', 'export_labels']) {
        await call(method, { wallet });
      }
      await call('get_transaction', { wallet, txid: sent.txid });
      // Failures: their messages and data must be as clean as the results.
      await call('send_transaction', { wallet, outputs: [{ address: 'not-an-address', amount: 1 }] });
      await call('send_transaction', { wallet, outputs: [{ address: dest, amount: 10 ** 15 }] });
      await call('import_wallet', { mnemonic: MNEMONIC });
      await call('import_wallet', { mnemonic: `${MNEMONIC} extra` });
      await call('unlock_wallet', { wallet, passphrase: 'wrong passphrase', timeoutSec: 5 });
    }
    await ctx.node.mine(1);
    await until(async () => ws.messages.length, (n) => n >= 3);

    const { bundle } = await call<{ bundle: string }>('export_wallet', { wallet, passphrase: BUNDLE_PASSPHRASE });
    keep('bundle', bundle);
    const backup = await call<{ path: string }>('backup_wallet', { passphrase: BUNDLE_PASSPHRASE });
    expect(backup, JSON.stringify(captured.at(-1)?.bytes.toString())).toBeDefined();
    keep('backup file', readFileSync(backup.path));
    for (const method of ['list_wallets', 'token_list', 'get_audit_log', 'get_node_info', 'rpc.discover']) await call(method);
    await call('lock_wallet', { wallet });
    const metrics = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } });
    keep('/metrics', await metrics.text());
    ws.close();
    for (const m of ws.messages) keep('ws message', m);

    // Stop the daemon so the data dir is at rest, then take every file and every log line.
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    keep('stdout log', JSON.stringify(d.logs));
    keep('stderr', d.stderr());
    for (const path of filesUnder(d.datadir)) keep(`data dir ${path.slice(d.datadir.length)}`, readFileSync(path));
    expect([...new Set(d.logs.map((l) => l.level))]).toContain(20); // debug and below were captured

    const leaks: string[] = [];
    const wordRun = new RegExp(secrets.words.slice(0, 4).join('[^a-z]{1,3}'), 'i');
    for (const { where, bytes } of captured) {
      const latin = bytes.toString('latin1');
      for (const form of secrets.forms) if (latin.includes(form.text)) leaks.push(`${form.name} in ${where}`);
      if (wordRun.test(latin)) leaks.push(`mnemonic words in ${where}`);
      for (const hit of findKeyMaterial(bytes.toString('utf8'))) leaks.push(`${hit} in ${where}`);
      if (latin.includes(WALLET_PASSPHRASE) || latin.includes(BUNDLE_PASSPHRASE)) leaks.push(`a passphrase in ${where}`);
    }
    expect(leaks).toEqual([]);
    expect(captured.length).toBeGreaterThan(30);
    console.log(`key-leak: ${secrets.forms.length} secret forms × ${captured.length} captures, 0 leaks`);
  });
});
