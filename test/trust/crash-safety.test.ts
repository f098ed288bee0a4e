/**
 * Issue 16, point 2: crash loops. Each iteration starts walletd on the same data dir against a
 * regtest node, fires concurrent state-changing calls, kills it with SIGKILL at a random moment,
 * then checks the keystore (SQLCipher cipher_integrity_check and SQLite integrity_check), that
 * every acknowledged call's effect survived, that every send is either recorded by walletd and
 * known to the node or absent from both, that no address was handed out twice, and that no lease
 * outlives its expiry. One iteration in three is killed by the chain proxy right after the node
 * accepted a broadcast and before walletd hears the answer. The node and the funded wallet are
 * reused across iterations. Iterations: WALLETD_TRUST_CRASH_ITERATIONS.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { ok, rpc, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startChainProxy, type ChainProxy } from './chain-proxy.ts';
import { checkKeystore, checkLeases, explain, nodeKnows, nodeSends, walletSends } from './crash-checks.ts';
import { trustSize } from './trust-sizes.ts';

const ITERATIONS = trustSize('WALLETD_TRUST_CRASH_ITERATIONS', 5);
// Short leases, so leases left by killed calls expire within the run and their coins must come back.
const LEASE_SECONDS = 6;
const ctx = useRegtestNode();
const datadir = mkdtempSync(join(tmpdir(), 'walletd-crash-'));
let d: RunningDaemon | undefined;
let proxy: ChainProxy | undefined;
afterAll(async () => {
  d?.child.kill('SIGKILL');
  await d?.exited;
  await proxy?.close();
});

/** What the acknowledged calls of all iterations promise. */
const acked = { wallets: new Set<string>(), addresses: [] as string[], tokens: new Set<string>(), sends: new Map<string, string>(), keyed: new Map<string, string>() };

const start = (): Promise<RunningDaemon> =>
  startChainDaemon(ctx.node, datadir, { WALLETD_CHAIN_URL: proxy!.url, WALLETD_WALLET_LEASE_SECONDS: String(LEASE_SECONDS) });

describe(`crash safety: ${ITERATIONS} SIGKILLs during concurrent writes`, () => {
  it('keeps the keystore intact, every acknowledged write and lease, frees expired leases, and sends agree with the node', async () => {
    let iteration = -1;
    // The reason, printed when it happens: a long trust run that is stopped before vitest's
    // summary (or runs the other files first) would otherwise lose it.
    onTestFailed(({ task }) => {
      const reasons = (task.result?.errors ?? []).map((e) => e.message).join('; ');
      console.error(`crash: failed at iteration ${iteration} of ${ITERATIONS}: ${reasons}`);
    });
    proxy = await startChainProxy(ctx.node.url);
    d = await start();
    const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'payer' })).id;
    acked.wallets.add(wallet);
    const funding = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet });
    acked.addresses.push(funding.address);
    for (let i = 0; i < 20; i += 1) await ctx.node.fund(funding.address, 1_000_000n);
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(d!, d!.adminToken, 'get_balance', { wallet }), (b) => b.confirmed === 20_000_000);
    const dest = await ctx.node.rpc<string>('getnewaddress');
    const stats = { inFlight: 0, betweenBroadcastAndAnswer: 0, bumps: 0, leasesChecked: 0, freedCoinsSpent: 0 };
    const heldPsbts: Array<{ inputs: string[]; leasedUntil: number }> = [];
    const began = Date.now();

    for (let iter = 0; iter < ITERATIONS; iter += 1) {
      iteration = iter;
      // The daemon restarted by the previous iteration's checks is this one's victim.
      const daemon = d!;
      const token = daemon.adminToken;
      const call = async (method: string, params: Record<string, unknown>, onAck: (r: Record<string, unknown>) => void) => {
        const answer = await rpc(daemon, token, method, params).catch(() => null);
        if (answer && answer.result) onAck(answer.result as Record<string, unknown>);
        return answer;
      };
      // A wallet whose passphrase is set while the kill may land: an acknowledged set must hold.
      const guarded = (await ok<{ id: string }>(daemon, token, 'create_wallet', { name: `p-${iter}` })).id;
      acked.wallets.add(guarded);
      // A pending, replaceable own send for bump_fee to replace while the kill may land.
      const original = await ok<{ txid: string }>(daemon, token, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 30_000 }], feeRate: 2 });
      acked.sends.set(original.txid, 'to bump');
      let passphraseSet = false;
      const calls: Array<Promise<unknown>> = [
        call('set_passphrase', { wallet: guarded, newPassphrase: `crash passphrase ${iter}` }, () => (passphraseSet = true)),
        call('bump_fee', { wallet, txid: original.txid, feeRate: 6 }, (r) => {
          acked.sends.set(r.txid as string, 'bump');
          stats.bumps += 1;
        }),
        call('create_psbt', { wallet, outputs: [{ address: dest, amount: 15_000 }], feeRate: 2 }, (r) =>
          heldPsbts.push({ inputs: r.inputs as string[], leasedUntil: r.leasedUntil as number })),
      ];
      for (let i = 0; i < 3; i += 1) {
        calls.push(call('create_wallet', { name: `w-${iter}-${i}` }, (r) => acked.wallets.add(r.id as string)));
        calls.push(call('generate_address', { wallet }, (r) => acked.addresses.push(r.address as string)));
        calls.push(call('token_create', { scopes: ['wallet:read'], name: `t-${iter}-${i}` }, (r) => acked.tokens.add((r.id ?? (r.token as { id: string })?.id) as string)));
        calls.push(call('send_transaction', { wallet, outputs: [{ address: dest, amount: 10_000 + i }], feeRate: 2 }, (r) => acked.sends.set(r.txid as string, 'plain')));
        const key = `k-${iter}-${i}`;
        calls.push(call('send_transaction', { wallet, outputs: [{ address: dest, amount: 20_000 + i }], feeRate: 2, idempotencyKey: key }, (r) => {
          acked.sends.set(r.txid as string, key);
          acked.keyed.set(key, r.txid as string);
        }));
      }
      calls.push(call('backup_wallet', { passphrase: 'crash loop backup passphrase' }, () => undefined));
      const all = Promise.allSettled(calls);
      let settled = false;
      void all.then(() => (settled = true));
      const kill = () => {
        if (!settled) stats.inFlight += 1;
        daemon.child.kill('SIGKILL');
      };
      if (iter % 3 === 2) {
        // The proxy kills right after the node accepted the 1st..3rd broadcast, before walletd hears back.
        const between = proxy.arm(1 + Math.floor(Math.random() * 3), kill);
        const fallback = new Promise<null>((r) => setTimeout(() => r(null), 8_000));
        const txid = await Promise.race([between, fallback]);
        proxy.disarm();
        // A rebroadcast of an already acknowledged send is not the case we are after.
        if (txid && !acked.sends.has(txid)) stats.betweenBroadcastAndAnswer += 1;
        if (!txid) kill();
      } else {
        // Early kills land among the first writes, late ones among the broadcasts and answers.
        await new Promise((r) => setTimeout(r, (iter % 3) * 2_500 + Math.floor(Math.random() * 2_000)));
        kill();
      }
      const killedAt = Date.now();
      await daemon.exited;
      await all;

      const leases = await checkKeystore(datadir);
      d = await start();
      const after = d;
      const wallets = new Set((await ok<Array<{ id: string }>>(after, after.adminToken, 'list_wallets')).map((w) => w.id));
      for (const id of acked.wallets) expect(wallets.has(id), `wallet ${id}`).toBe(true);
      const addresses = (await ok<Array<{ address: string }>>(after, after.adminToken, 'get_addresses', { wallet })).map((a) => a.address);
      expect(new Set(addresses).size).toBe(addresses.length);
      for (const a of acked.addresses) expect(addresses).toContain(a);
      expect(new Set(acked.addresses).size).toBe(acked.addresses.length);
      const tokens = new Set((await ok<Array<{ id: string }>>(after, after.adminToken, 'token_list')).map((t) => t.id));
      for (const id of acked.tokens) expect(tokens.has(id), `token ${id}`).toBe(true);
      const unlock = await rpc(after, after.adminToken, 'unlock_wallet', { wallet: guarded, passphrase: `crash passphrase ${iter}`, timeoutSec: 5 });
      const info = await ok<{ encrypted?: boolean; locked?: boolean; hasPassphrase?: boolean }>(after, after.adminToken, 'get_wallet_info', { wallet: guarded });
      if (passphraseSet) expect(unlock.error, JSON.stringify(info)).toBeUndefined();
      // A keyed send retried after the crash answers with its first txid, never a second payment.
      for (const [key, txid] of acked.keyed) {
        if (!key.startsWith(`k-${iter}-`)) continue;
        const retry = await ok<{ txid: string }>(after, after.adminToken, 'send_transaction', {
          wallet, outputs: [{ address: dest, amount: 20_000 + Number(key.split('-')[2]) }], feeRate: 2, idempotencyKey: key,
        });
        expect(retry.txid).toBe(txid);
      }
      const freed = await checkLeases({ daemon: after, wallet, leases, killedAt, leaseMs: LEASE_SECONDS * 1000, heldPsbts });
      stats.leasesChecked += leases.length;
      if (freed.length > 0) {
        // An expired lease blocks nothing: spend exactly such a coin.
        const coin = freed[0]!;
        const sent = await ok<{ txid: string }>(after, after.adminToken, 'send_transaction', {
          wallet, inputs: [{ txid: coin.txid, vout: coin.vout }], outputs: [{ address: dest, amount: 5_000 }], feeRate: 2,
        });
        acked.sends.set(sent.txid, 'freed');
        stats.freedCoinsSpent += 1;
      }
      // Recorded and known to the node, or absent from both (a recorded one is rebroadcast).
      await until(async () => {
        const [w, n] = [await walletSends(after, wallet), await nodeSends(ctx.node, dest)];
        const onlyWalletd: string[] = [];
        for (const t of w) if (!n.has(t) && !(await nodeKnows(ctx.node, t))) onlyWalletd.push(t);
        return { onlyWalletd, onlyNode: [...n].filter((t) => !w.has(t)) };
      }, ({ onlyWalletd, onlyNode }) => onlyWalletd.length === 0 && onlyNode.length === 0, 30_000).catch(async (err: Error) => {
        throw new Error(`iteration ${iter}: ${err.message}; ${await explain(after, wallet, String(err.message), acked.sends)}`);
      });
      const sends = await walletSends(after, wallet);
      for (const txid of acked.sends.keys()) expect(sends.has(txid), `acknowledged send ${txid}`).toBe(true);
      // Confirm this round's sends, and top the wallet up so a long run never runs dry.
      const balance = await ok<{ confirmed: number }>(after, after.adminToken, 'get_balance', { wallet });
      if (balance.confirmed < 3_000_000) for (let i = 0; i < 10; i += 1) await ctx.node.fund(funding.address, 1_000_000n);
      await ctx.node.mine(1);
    }
    const perIteration = Math.round((Date.now() - began) / ITERATIONS);
    console.log(
      `crash: ${ITERATIONS} kills (${stats.inFlight} with calls in flight, ${stats.betweenBroadcastAndAnswer} between the node's acceptance and walletd's answer), ` +
      `${acked.sends.size} acknowledged sends (${stats.bumps} bump_fee), ${acked.addresses.length} addresses, ${stats.leasesChecked} leases checked, ` +
      `${stats.freedCoinsSpent} coins spent after their lease expired, 0 lost; ${perIteration} ms per iteration`,
    );
    if (ITERATIONS >= 3) expect(stats.betweenBroadcastAndAnswer).toBeGreaterThan(0);
  }, 60_000 + ITERATIONS * 30_000);
});
