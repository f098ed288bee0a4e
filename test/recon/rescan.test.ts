/**
 * Issue 13, point 12 (rescan_wallet), against a real daemon and regtest node. The repro: a
 * watch-only wallet imported with its birth at the tip never sees a payment mined before it;
 * rescan_wallet {fromHeight: 0} finds it. Progress is in get_wallet_info.sync and in walletctl's
 * progress line (fields present and consistent; nothing timed).
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode, ok, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { walletctl } from '../cli/run-walletctl.ts';
import { deriveAccount, deriveAddress } from '../../src/wallet/keys/hd.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import { settle, useDaemons, walletCaller } from '../ledger/ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface Sync {
  state: string; syncHeight: number | null; tipHeight: number | null; progress: number;
  scanHeight: number | null; scanFrom: number | null; rate: number | null; etaSeconds: number | null;
}

/** The sync fields must agree with each other whatever the moment they are read at. */
function expectConsistent(s: Sync, tip: number): void {
  expect(Object.keys(s).sort()).toEqual(['etaSeconds', 'progress', 'rate', 'scanFrom', 'scanHeight', 'state', 'syncHeight', 'tipHeight']);
  expect(s.progress).toBeGreaterThanOrEqual(0);
  expect(s.progress).toBeLessThanOrEqual(1);
  if (s.tipHeight !== null) expect(s.tipHeight).toBeLessThanOrEqual(tip);
  if (s.scanHeight !== null && s.tipHeight !== null) expect(s.scanHeight).toBeLessThanOrEqual(s.tipHeight);
  if (s.scanFrom !== null && s.scanHeight !== null) expect(s.scanFrom).toBeLessThanOrEqual(s.scanHeight);
  if (s.rate !== null) expect(s.rate).toBeGreaterThan(0);
  if (s.etaSeconds !== null) expect(s.rate).not.toBeNull();
  if (s.state === 'synced') {
    expect(s).toMatchObject({ syncHeight: s.tipHeight, scanHeight: s.tipHeight, progress: 1, scanFrom: null, rate: null, etaSeconds: null });
  }
}

describe('rescan_wallet', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let paid: string;
  let tip: number;

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    const network = resolveNetwork('regtest', ctx.node.networkParams);
    const account = deriveAccount(randomBytes(32), 'p2wpkh', network);
    const first = deriveAddress(account.accountXpub, 'p2wpkh', network, 0, 0).address;
    // Paid and buried before the wallet's (too high) birth.
    paid = await ctx.node.fund(first, 30_000_000n);
    await ctx.node.mine(1);
    await ctx.node.mine(5);
    tip = await ctx.node.rpc<number>('getblockcount');
    const descriptor = `wpkh([${account.masterFingerprint}/84h/1h/0h]${account.accountXpub}/0/*)`;
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'import_wallet', { descriptor, birthHeight: tip, name: 'late-birth' })).id;
    call = walletCaller(d, wallet);
    await settle(d, wallet, ctx.node);
  });

  it('a wallet born after its payment does not see it; rescan_wallet {fromHeight: 0} finds it', async () => {
    expect((await call<{ total: number }>('get_balance')).total).toBe(0);
    expect((await call<{ transactions: unknown[] }>('get_transaction_history')).transactions).toEqual([]);

    const started = await call<{ fromHeight: number; tipHeight: number }>('rescan_wallet', { fromHeight: 0 });
    expect(started).toEqual({ fromHeight: 0, tipHeight: tip });
    expectConsistent((await call<{ sync: Sync }>('get_wallet_info')).sync, tip);
    const info = await until(() => call<{ sync: Sync }>('get_wallet_info'), (i) => {
      expectConsistent(i.sync, tip);
      return i.sync.state === 'synced';
    });
    expect(info.sync.syncHeight).toBe(tip);
    await until(() => call<{ total: number }>('get_balance'), (b) => b.total === 30_000_000);
    const history = await call<{ transactions: Array<{ txid: string; confirmations: number }> }>('get_transaction_history');
    expect(history.transactions).toEqual([expect.objectContaining({ txid: paid, confirmations: 6 })]);
    // The rescan moved the birth back: a rescan without fromHeight now starts at 0 too.
    expect((await call<{ fromHeight: number }>('rescan_wallet')).fromHeight).toBe(0);
    await settle(d, wallet, ctx.node);
  });

  it('rescanning what it already knows changes nothing', async () => {
    const before = await call('get_balance');
    await call('rescan_wallet', { fromHeight: 0 });
    await until(() => call<{ sync: Sync }>('get_wallet_info'), (i) => i.sync.state === 'synced' && i.sync.syncHeight === tip);
    await settle(d, wallet, ctx.node);
    expect(await call('get_balance')).toEqual(before);
    expect((await call<{ transactions: unknown[] }>('get_transaction_history')).transactions).toHaveLength(1);
  });

  it('refuses a height above the tip', async () => {
    expect(await errorCode(d, d.adminToken, 'rescan_wallet', { wallet, fromHeight: tip + 10 })).toBe('INVALID_PARAMS');
  });

  it('walletctl rescan_wallet follows the scan with the real height, and ends at the tip', async () => {
    const run = await walletctl(['--datadir', d.datadir, '--json', 'rescan_wallet', '--wallet', wallet, '--from-height', '0']);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ fromHeight: 0, tipHeight: tip });
    const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('rescan:'));
    expect(lines.length).toBeGreaterThan(0);
    const re = /^rescan: (\d+)% \(height (\d+)\/(\d+)(?:, [\d.]+ blocks\/s)?(?:, ETA (?:\d+h )?(?:\d+m )?\d+[hms]?)?\)$/;
    const heights = lines.map((l) => {
      const m = re.exec(l);
      expect(m, l).not.toBeNull();
      expect(Number(m![3])).toBe(tip);
      return Number(m![2]);
    });
    expect(lines.at(-1)).toBe(`rescan: 100% (height ${tip}/${tip})`);
    expect(heights.every((h) => h <= tip)).toBe(true);
    const quiet = await walletctl(['--datadir', d.datadir, '--json', 'rescan_wallet', '--wallet', wallet, '--no-wait']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('rescan:');
  });
});
