/**
 * Issue 6's "done when": walletctl as a real child process against a real daemon and a real
 * regtest node. Create a wallet, take an address, fund and mine to it, watch the balance, send
 * with --to/--amount, check the status, cancel (BIP-125), and restore into a second daemon with
 * the rescan progress line. Asserts on `--json` output and exit codes only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEnv, startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { walletctl, type CtlRun } from './run-walletctl.ts';

const ctx = useRegtestNode();
const dirs: string[] = [];
const daemons: DaemonProcess[] = [];

async function startChainDaemon(): Promise<string> {
  const datadir = mkdtempSync(join(tmpdir(), 'walletctl-e2e-'));
  dirs.push(datadir);
  const d = await startDaemonProcess(datadir, [], chainEnv(ctx.node));
  daemons.push(d);
  return datadir;
}

/** Runs walletctl --json until `done` accepts the result (the daemon syncs on its own clock). */
async function pollJson<T>(args: string[], done: (v: T) => boolean, tries = 60): Promise<T> {
  let last: CtlRun | undefined;
  for (let i = 0; i < tries; i++) {
    last = await walletctl(['--json', ...args]);
    if (last.code === 0 && done(last.json<T>())) return last.json<T>();
    await sleep(300);
  }
  throw new Error(`condition not met for walletctl ${args.join(' ')}: ${last?.stdout}${last?.stderr}`);
}

let datadir: string;
beforeAll(async () => {
  datadir = await startChainDaemon();
});
afterAll(async () => {
  for (const d of daemons) d.child.kill('SIGTERM');
  await Promise.all(daemons.map((d) => d.exited));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('walletctl end to end on regtest', () => {
  it('creates, funds, sends, checks status, cancels and restores', async () => {
    const g = ['--datadir', datadir];
    const created = await walletctl([...g, '--json', 'create_wallet', '--name', 'e2e']);
    expect(created.code).toBe(0);
    const wallet = created.json<{ id: string; network: string }>();
    expect(wallet.network).toBe('regtest');
    const w = ['--wallet', wallet.id];

    const addr = await walletctl([...g, '--json', 'generate_address', ...w]);
    expect(addr.code).toBe(0);
    const { address } = addr.json<{ address: string }>();

    await ctx.node.fund(address, 5_000_000n);
    await ctx.node.mine(1);
    const balance = await pollJson<{ confirmed: number }>([...g, 'get_balance', ...w], (b) => b.confirmed > 0);
    expect(balance.confirmed).toBe(5_000_000);

    const dest = await ctx.node.rpc<string>('getnewaddress');
    // No --wallet: the keystore's only wallet is the default (SPEC §9); --amount-btc is exact.
    const sent = await walletctl([...g, '--json', 'send_transaction', '--to', dest, '--amount-btc', '0.01', '--fee-rate', '2']);
    expect(sent.code).toBe(0);
    const { txid } = sent.json<{ txid: string }>();
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(txid);
    const onNode = await ctx.node.rpc<{ vout: Array<{ value: number; scriptPubKey: { address?: string; addresses?: string[] } }> }>(
      'getrawtransaction', txid, true,
    );
    const paid = onNode.vout.find((o) => (o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]) === dest);
    expect(paid?.value).toBe(0.01);

    const status = await walletctl([...g, '--json', 'get_tx_status', ...w, '--txid', txid]);
    expect(status.code).toBe(0);
    expect(status.json<{ status: string; confirmations: number }>()).toMatchObject({ status: 'pending', confirmations: 0 });

    // Positional form of SPEC's `cancel_transaction {txid, feeRate?}`.
    const cancelled = await walletctl([...g, '--json', 'cancel_transaction', ...w, txid, '10']);
    expect(cancelled.code).toBe(0);
    const replacement = cancelled.json<{ txid: string }>().txid;
    expect(replacement).not.toBe(txid);
    const mempool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(mempool).toContain(replacement);
    expect(mempool).not.toContain(txid);
    await pollJson<{ status: string }>([...g, 'get_tx_status', ...w, '--txid', txid], (s) => s.status === 'replaced');

    // Once confirmed, cancelling is an RPC error: exit 20 (state) with its code on stderr.
    await ctx.node.mine(1);
    await pollJson<{ confirmations: number }>([...g, 'get_tx_status', ...w, '--txid', replacement], (s) => s.confirmations >= 1);
    const late = await walletctl([...g, '--json', 'cancel_transaction', ...w, '--txid', replacement]);
    expect(late.code).toBe(20);
    expect(JSON.parse(late.stderr)).toMatchObject({ error: 'ALREADY_CONFIRMED', data: { code: 'ALREADY_CONFIRMED' } });
    expect(late.stdout).toBe('');

    // Restore into a second daemon on the same node: the rescan progress goes to stderr, JSON to stdout.
    const pass = 'correct horse battery staple';
    const exported = await walletctl([...g, '--json', 'export_wallet', ...w, '--passphrase', pass]);
    expect(exported.code).toBe(0);
    const other = await startChainDaemon();
    writeFileSync(join(other, 'e2e.bundle'), exported.json<{ bundle: string }>().bundle);
    writeFileSync(join(other, 'pass'), pass);
    const restored = await walletctl([
      '--datadir', other, '--json', 'restore', '--bundle', join(other, 'e2e.bundle'), '--passphrase-file', join(other, 'pass'),
    ]);
    expect(restored.code).toBe(0);
    const restoredId = restored.json<{ id: string }>().id;
    const progress = restored.stderr.trim().split('\n').filter((l) => l.startsWith('rescan:'));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatch(/^rescan: 100% \(height (\d+)\/\1\)$/);
    // Same keys, same history: the restored wallet sees the original's confirmed balance.
    const originalInfo = (await walletctl([...g, '--json', 'get_wallet_info', ...w])).json<{ xpub: string }>();
    const restoredInfo = (await walletctl(['--datadir', other, '--json', 'get_wallet_info', '--wallet', restoredId])).json<{ xpub: string }>();
    expect(restoredInfo.xpub).toBe(originalInfo.xpub);
    const originalBalance = (await walletctl([...g, '--json', 'get_balance', ...w])).json<{ confirmed: number }>();
    expect(originalBalance.confirmed).toBeGreaterThan(3_900_000);
    await pollJson<{ confirmed: number }>(
      ['--datadir', other, 'get_balance', '--wallet', restoredId],
      (b) => b.confirmed === originalBalance.confirmed,
    );
  });
});
