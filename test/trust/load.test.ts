/**
 * Issue 16, point 4: load. WebSocket subscribers and HTTP clients with a mixed read and send
 * workload against a real daemon on a real regtest node, a block mined every 3 s. Asserts 0
 * errors, seq continuity for every subscriber (each event seq exactly once, no gaps), an exact
 * replay after one subscriber reconnects with sinceSeq, every send known to the node, and flat
 * memory (the peak RSS of the last third within 20% of the middle third's, after a first third of
 * warm-up). Latencies are reported, not asserted.
 * Sizes: WALLETD_TRUST_LOAD_SUBSCRIBERS, WALLETD_TRUST_LOAD_CLIENTS, WALLETD_TRUST_LOAD_SECONDS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ok, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { nodeKnows } from './crash-checks.ts';
import { daemonRss, percentile, Subscriber, timedCall, type CallLog } from './load-clients.ts';
import { trustSize } from './trust-sizes.ts';

const SUBSCRIBERS = trustSize('WALLETD_TRUST_LOAD_SUBSCRIBERS', 50);
const CLIENTS = trustSize('WALLETD_TRUST_LOAD_CLIENTS', 5);
const SECONDS = trustSize('WALLETD_TRUST_LOAD_SECONDS', 15);
const BLOCK_EVERY_MS = 3_000;
const ctx = useRegtestNode();
let d: RunningDaemon | undefined;
const subs: Subscriber[] = [];
afterAll(async () => {
  for (const s of subs) s.close();
  d?.child.kill('SIGTERM');
  await d?.exited;
});

/** Waits until every subscriber has seen the same last seq and no new event came for 1.5 s (several daemon polls). */
async function settle(all: Subscriber[]): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const top = Math.max(...all.map((s) => s.lastSeq));
    if (top !== last) [last, stableSince] = [top, Date.now()];
    if (Date.now() - stableSince > 1_500 && all.every((s) => s.lastSeq === top)) return top;
    if (Date.now() > deadline) throw new Error(`subscribers did not settle: ${all.filter((s) => s.lastSeq !== top).length} behind ${top}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The seqs a subscriber must have received: every one after its snapshot, up to `last`, once each. */
function expectedSeqs(start: number, last: number): number[] {
  return Array.from({ length: last - start }, (_, i) => start + 1 + i);
}

describe(`load: ${SUBSCRIBERS} WebSocket subscribers, ${CLIENTS} HTTP clients, ${SECONDS} s, a block every 3 s`, () => {
  it('answers every call, delivers every event seq exactly once to every subscriber, replays exactly, and keeps memory flat', async () => {
    // Capacity for the load, not the defaults' per-token rate limit (brute-force.test.ts tests that).
    d = await startChainDaemon(ctx.node, undefined, {
      WALLETD_RPC_MAX_CONNECTIONS: String(SUBSCRIBERS + CLIENTS * 4 + 64),
      WALLETD_RPC_MAX_SUBSCRIPTIONS_PER_TOKEN: String(SUBSCRIBERS + 16),
      WALLETD_RPC_RATE_LIMIT_PER_MIN: '10000000',
    });
    const daemon = d;
    const wallet = (await ok<{ id: string }>(daemon, daemon.adminToken, 'create_wallet', { name: 'load' })).id;
    // A wallet with many coins: 5 payments to each of 40 addresses.
    const addresses: string[] = [];
    for (let i = 0; i < 40; i += 1) addresses.push((await ok<{ address: string }>(daemon, daemon.adminToken, 'generate_address', { wallet })).address);
    for (let round = 0; round < 5; round += 1) await ctx.node.rpc('sendmany', '', Object.fromEntries(addresses.map((a) => [a, 0.01])));
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(daemon, daemon.adminToken, 'get_balance', { wallet }), (b) => b.confirmed === 200 * 1_000_000, 60_000);
    const { token: readToken } = await ok<{ token: string }>(daemon, daemon.adminToken, 'token_create', { name: 'subscribers', scopes: ['wallet:read'] });
    const { token: appToken } = await ok<{ token: string }>(daemon, daemon.adminToken, 'token_create', { name: 'app', scopes: ['wallet:read', 'wallet:send'] });
    const dests = [await ctx.node.rpc<string>('getnewaddress'), await ctx.node.rpc<string>('getnewaddress'), await ctx.node.rpc<string>('getnewaddress')];

    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) => Subscriber.open(daemon.url, readToken, { keep: i + j === 0 }));
      subs.push(...(await Promise.all(batch)));
    }
    const reference = subs[0]!;

    const log: CallLog = { reads: [], sends: [], errors: [] };
    const sent: string[] = [];
    const began = Date.now();
    const endAt = began + SECONDS * 1000;
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await new Promise((r) => setTimeout(r, BLOCK_EVERY_MS));
        if (mining) await ctx.node.mine(1);
      }
    })();
    // RSS each second. GC makes it a sawtooth, so "flat" compares peaks: the last third's against
    // the middle third's (the first third is warm-up, while V8 and SQLite grow their heaps and caches).
    const rssSeries: Array<{ at: number; mib: number }> = [];
    const sampler = setInterval(() => void daemonRss(daemon.url, daemon.adminToken).then((r) => rssSeries.push({ at: Date.now() - began, mib: r / 2 ** 20 }), () => undefined), 1_000);
    const client = async (n: number) => {
      for (let k = 0; Date.now() < endAt; k += 1) {
        const roll = Math.random();
        if (roll < 0.4) await timedCall(daemon.url, appToken, 'get_balance', { wallet }, 'reads', log);
        else if (roll < 0.65) await timedCall(daemon.url, appToken, 'get_transaction_history', { wallet, limit: 20 }, 'reads', log);
        else if (roll < 0.85) await timedCall(daemon.url, appToken, 'get_unspent_outputs', { wallet }, 'reads', log);
        else {
          const amount = 1_000 + Math.floor(Math.random() * 4_000);
          const r = (await timedCall(daemon.url, appToken, 'send_transaction', { wallet, outputs: [{ address: dests[(n + k) % dests.length]!, amount }], feeRate: 2 }, 'sends', log)) as { txid?: string } | undefined;
          if (r?.txid) sent.push(r.txid);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    clearInterval(sampler);
    const third = (SECONDS * 1000) / 3;
    const peak = (from: number, to: number) => Math.max(...rssSeries.filter((x) => x.at >= from && x.at < to).map((x) => x.mib));
    const [warmPeak, endPeak] = [peak(third, 2 * third), peak(2 * third, Infinity)];
    console.log(`load: RSS MiB each second: ${rssSeries.map((x) => x.mib.toFixed(0)).join(' ')}`);
    mining = false;
    await miner;
    const elapsed = (Date.now() - began) / 1000;

    const last = await settle(subs);
    expect(log.errors.slice(0, 10)).toEqual([]);
    for (const [i, s] of subs.entries()) {
      expect(s.faults, `subscriber ${i}`).toEqual([]);
      expect(s.seqs, `subscriber ${i}: every seq after ${s.startSeq} once, in order`).toEqual(expectedSeqs(s.startSeq, last));
    }
    // A transaction counts once a real node holds it.
    for (const txid of sent) expect(await nodeKnows(ctx.node, txid), `send ${txid}`).toBe(true);

    // Reconnect: one subscriber drops, misses two blocks, and comes back with sinceSeq.
    const leaver = subs[1] ?? reference;
    const seen = leaver.lastSeq;
    leaver.close();
    await ctx.node.mine(1);
    await ctx.node.mine(1);
    const stayed = subs.filter((s) => s !== leaver);
    const now = await settle(stayed);
    expect(now).toBeGreaterThan(seen);
    const back = await Subscriber.open(daemon.url, readToken, { keep: true, sinceSeq: seen });
    subs.push(back);
    await settle([back, reference]);
    const strip = (events: typeof back.events) => events.map(({ subscription: _s, ...rest }) => rest);
    expect(strip(back.events)).toEqual(strip(reference.events.filter((e) => e.seq > seen)));
    expect(back.faults).toEqual([]);

    const events = last - reference.startSeq;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(
      `load: ${SUBSCRIBERS} subscribers, ${CLIENTS} clients, ${elapsed.toFixed(0)} s: ${log.reads.length} reads ` +
      `(p50 ${ms(percentile(log.reads, 50))}, p99 ${ms(percentile(log.reads, 99))}), ${log.sends.length} sends ` +
      `(p50 ${ms(percentile(log.sends, 50))}, p99 ${ms(percentile(log.sends, 99))}), ${events} events to each subscriber ` +
      `(${events * SUBSCRIBERS} notifications), 0 errors, 0 seq gaps, replay of ${back.events.length} exact; ` +
      `peak RSS ${warmPeak.toFixed(0)} MiB in the middle third, ${endPeak.toFixed(0)} MiB in the last`,
    );
    expect(endPeak).toBeLessThanOrEqual(warmPeak * 1.2);
  }, (SECONDS + 180) * 1000);
});
