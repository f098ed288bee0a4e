/**
 * The scenario's step kinds: what a counterparty, a miner, walletd's user and an operator do.
 * Each step acts and returns one log line; it never judges (the runner compares afterwards),
 * except that a walletd send the oracle says is affordable must be accepted by the node.
 */
import { coinsToSats, satsToCoins, type ChainNode } from './chain-node.ts';
import type { OracleView } from './oracle-wallet.ts';
import type { Prng } from './prng.ts';
import { WalletdCallError, type WalletdControl } from './walletd-control.ts';
import type { FaultProxy, ProxyAction } from '../fault-proxy.ts';

/** Everything a step may touch. */
export interface StepContext {
  node: ChainNode;
  walletd: WalletdControl;
  rng: Prng;
  /** The node height when walletd's wallet was created: reorgs never reach below it. */
  birthHeight: number;
  /** walletd receive addresses handed out so far. */
  handedOut: string[];
  /** Payments from the counterparty to walletd, for replacements and double-spends. */
  receives: Array<{ txid: string; rbf: boolean }>;
  /** The oracle's view after the previous step converged. */
  last: OracleView;
  /** The proxy between walletd and the node, in a chaos run. */
  faults?: FaultProxy;
}

/** A walletd failure found while acting (not by the comparison). */
export class StepDivergence extends Error {}

/** The step kinds and what each does. */
export const STEPS = {
  'receive-fresh': async (c: StepContext) => receive(c, await freshAddress(c), 'fresh'),
  'receive-reused': async (c: StepContext) =>
    c.handedOut.length ? receive(c, c.rng.pick(c.handedOut), 'reused') : receive(c, await freshAddress(c), 'fresh'),
  send: async (c: StepContext) => {
    // Pay at most a third of what the oracle calls trusted (mature, confirmed, unspent), so a
    // correct wallet can always fund it with fees to spare.
    const budget = c.last.balances.trusted / 3n;
    if (budget < 20_000n) return 'send skipped: oracle trusted balance too small';
    const amount = BigInt(c.rng.int(10_000, Number(budget > 200_000_000n ? 200_000_000n : budget)));
    const to = await c.node.harness.call<string>('getnewaddress', '', 'bech32');
    const feeRate = c.rng.int(1, 5);
    try {
      const r = await c.walletd.call<{ txid: string }>('send_transaction', { outputs: [{ address: to, amount: Number(amount) }], feeRate });
      return `send ${amount} sats at ${feeRate} sat/vB → ${r.txid}`;
    } catch (err) {
      if (err instanceof WalletdCallError) {
        throw new StepDivergence(`send of ${amount} sats failed (${err.message}) while the oracle's trusted balance is ${c.last.balances.trusted}`);
      }
      throw err;
    }
  },
  coinbase: async (c: StepContext) => {
    const to = c.handedOut.length && c.rng.chance(0.3) ? c.rng.pick(c.handedOut) : await freshAddress(c);
    const n = c.rng.int(1, 2);
    const hashes = await c.node.harness.call<string[]>('generatetoaddress', n, to);
    return `coinbase: ${n} block(s) to ${to} (tip ${hashes.at(-1)})`;
  },
  mine: async (c: StepContext) => {
    const n = c.rng.int(1, 3);
    await c.node.harness.call('generatetoaddress', n, c.node.minerAddress);
    return `mine ${n}`;
  },
  bump: async (c: StepContext) => {
    const r = pendingReceive(c, true);
    if (!r) return 'bump skipped: no pending RBF receive';
    try {
      const bumped = await c.node.harness.call<{ txid: string }>('bumpfee', r.txid);
      c.receives.push({ txid: bumped.txid, rbf: true });
      return `bumpfee ${r.txid} → ${bumped.txid}`;
    } catch (err) {
      return `bump of ${r.txid} refused by the node: ${(err as Error).message}`;
    }
  },
  'double-spend': async (c: StepContext) => {
    const r = pendingReceive(c, false);
    if (!r) return 'double-spend skipped: no pending receive';
    const hex = await conflictOf(c.node, r.txid);
    if (!hex) return `double-spend of ${r.txid} skipped: the counterparty cannot sign a conflict`;
    // An RBF receive can be replaced in the mempool (confirmed later, or not); any receive can be
    // double-spent by a block that the miner builds without it.
    if (r.rbf && c.rng.chance(0.6)) {
      const txid = await c.node.base.call<string>('sendrawtransaction', hex).catch((err: Error) => err);
      if (txid instanceof Error) return `double-spend of ${r.txid} refused by the node: ${txid.message}`;
      return `double-spend ${r.txid} in the mempool by ${txid} (pays the counterparty)`;
    }
    if (!(await mineConflict(c.node, hex))) return `double-spend of ${r.txid} skipped: its conflict spends a mempool parent`;
    return `double-spend ${r.txid} mined directly in a block`;
  },
  reorg: async (c: StepContext) => reorg(c, 'longer', () => c.rng.int(1, 6)),
  'reorg-back': async (c: StepContext) => reorg(c, 'back', () => c.rng.int(1, 6)),
  'reorg-double-spend': async (c: StepContext) => reorg(c, 'double-spend', () => 0),
  // Deeper than walletd's old fixed window of 100 blocks; the chain grows first if it must.
  'reorg-deep': async (c: StepContext) => {
    const d = c.rng.int(20, 120);
    const short = d - (c.last.tipHeight - c.birthHeight);
    if (short > 0) {
      await c.node.harness.call('generatetoaddress', short, c.node.minerAddress);
      c.last = { ...c.last, tipHeight: c.last.tipHeight + short };
    }
    return (short > 0 ? `mine ${short}, then ` : '') + (await reorg(c, c.rng.chance(0.7) ? 'longer' : 'back', () => d));
  },
  'restart-walletd': async (c: StepContext) => {
    const t0 = Date.now();
    await c.walletd.restart();
    return `walletd restarted (${Date.now() - t0} ms)`;
  },
  'restart-node': async (c: StepContext) => {
    const t0 = Date.now();
    await c.node.restart();
    return `node restarted (${Date.now() - t0} ms)`;
  },
  'node-faults': async (c: StepContext) => nodeFaults(c),
} satisfies Record<string, (c: StepContext) => Promise<string>>;

/**
 * For a moment walletd's node fails: every call answers an error, or hangs, or is carried out
 * while walletd never hears the answer. Meanwhile the chain moves on (blocks, a payment). Then
 * the node is back, hung calls are reset, and walletd must catch up to the same view.
 */
async function nodeFaults(c: StepContext): Promise<string> {
  if (!c.faults) return 'node faults skipped: not a chaos run';
  const mode = c.rng.pick(['error', 'hang', 'drop-after-forward'] as const);
  const ms = c.rng.int(300, 2_500);
  const action: ProxyAction = { kind: mode };
  c.faults.setRule(() => action);
  try {
    const blocks = c.rng.int(0, 2);
    if (blocks) await c.node.harness.call('generatetoaddress', blocks, c.node.minerAddress);
    // generate_address needs no node, so a payment can be asked for while the node fails.
    const paid = c.rng.chance(0.5) ? await receive(c, await freshAddress(c), 'fresh') : 'no payment';
    await new Promise((r) => setTimeout(r, ms));
    return `node ${mode} for ${ms} ms: ${blocks} block(s), ${paid}`;
  } finally {
    c.faults.setRule(() => ({ kind: 'forward' }));
    c.faults.releaseHung();
  }
}

/** One of the step kinds. */
export type StepKind = keyof typeof STEPS;

async function freshAddress(c: StepContext): Promise<string> {
  const { address } = await c.walletd.call<{ address: string }>('generate_address');
  if (!c.handedOut.includes(address)) c.handedOut.push(address);
  return address;
}

async function receive(c: StepContext, address: string, kind: string): Promise<string> {
  const sats = BigInt(c.rng.int(100_000, 200_000_000));
  const rbf = c.rng.chance(0.5);
  // sendtoaddress address amount comment comment_to subtractfeefromamount replaceable
  const txid = await c.node.harness.call<string>('sendtoaddress', address, satsToCoins(sats), '', '', false, rbf);
  c.receives.push({ txid, rbf });
  return `receive ${sats} sats to ${kind} ${address}${rbf ? ' (RBF)' : ''} → ${txid}`;
}

function pendingReceive(c: StepContext, rbfOnly: boolean): { txid: string; rbf: boolean } | undefined {
  const candidates = c.receives.filter((r) => c.last.mempool.has(r.txid) && (!rbfOnly || r.rbf));
  return candidates.length ? c.rng.pick(candidates) : undefined;
}

/**
 * A tx spending the same inputs as `txid` back to the counterparty, with a higher fee (BIP125
 * rules 3 and 4); null when the counterparty cannot sign it (an input vanished with a reorg).
 */
async function conflictOf(node: ChainNode, txid: string): Promise<string | null> {
  type Raw = { vin: Array<{ txid: string; vout: number }>; vout: Array<{ value: number }> };
  const tx = await node.base.call<Raw>('getrawtransaction', txid, true);
  let inValue = 0n;
  for (const i of tx.vin) {
    const parent = await node.base.call<Raw>('getrawtransaction', i.txid, true);
    inValue += coinsToSats(parent.vout[i.vout]!.value);
  }
  const fee = inValue - tx.vout.reduce((s, o) => s + coinsToSats(o.value), 0n);
  const to = await node.harness.call<string>('getnewaddress', '', 'bech32');
  const unsigned = await node.harness.call<string>(
    'createrawtransaction', tx.vin.map((i) => ({ txid: i.txid, vout: i.vout })), { [to]: satsToCoins(inValue - fee - 50_000n) },
  );
  const signed = await node.harness.call<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', unsigned);
  return signed.complete ? signed.hex : null;
}

/** Waits (up to 10 s) until walletd reports `height` as its sync height. */
async function walletdReaches(c: StepContext, height: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const info = await c.walletd.call<{ sync: { syncHeight: number | null } }>('get_wallet_info').catch(() => null);
    if (info?.sync.syncHeight === height) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Mines a block holding only `hex` (generateblock); false when that needs a parent from the mempool. */
async function mineConflict(node: ChainNode, hex: string): Promise<boolean> {
  try {
    await node.base.call('generateblock', node.minerAddress, [hex]);
    return true;
  } catch (err) {
    if (/TestBlockValidity|missing|inputs/i.test((err as Error).message)) return false;
    throw err;
  }
}

/** How a reorg step ends: a longer competing chain, the old chain back, or a double-spend of a receive in it. */
type ReorgVariant = 'longer' | 'back' | 'double-spend';

/**
 * invalidateblock at depth d (never below the block walletd was created at), then by variant:
 * - longer: a longer competing chain, then reconsiderblock or not (the old chain, with less
 *   work now, stays out either way);
 * - back: a shorter competing chain, then reconsiderblock: the old chain comes back;
 * - double-spend: d is the depth of a confirmed receive, and the competing chain's first block
 *   double-spends it (a reorged-out receive that is then double-spent).
 */
async function reorg(c: StepContext, variant: ReorgVariant, depth: () => number): Promise<string> {
  const tip = c.last.tipHeight;
  const room = tip - c.birthHeight;
  if (room < 1) return 'reorg skipped: no blocks since walletd was created';
  let d = Math.min(room, depth());
  let victim: string | undefined;
  if (variant === 'double-spend') {
    const confirmed = c.receives.filter((r) => c.last.txs.get(r.txid)?.state === 'confirmed');
    const r = confirmed.length ? c.rng.pick(confirmed) : undefined;
    const conf = r ? c.last.txs.get(r.txid)!.confirmations : 0;
    if (!r || conf > Math.min(room, 120)) return 'reorg skipped: no confirmed receive within 120 blocks';
    victim = r.txid;
    d = conf;
  }
  const stale = await c.node.base.call<string>('getblockhash', tip - d + 1);
  await c.node.base.call('invalidateblock', stale);
  // A competing block mined to the same address in the same second as the stale one could be
  // byte-identical to it, and so already invalid: the competing chain pays a fresh address.
  const miner = await c.node.harness.call<string>('getnewaddress', '', 'bech32');
  let what: string;
  if (variant === 'back') {
    const k = d > 1 ? c.rng.int(1, d - 1) : 0;
    if (k) await c.node.harness.call('generatetoaddress', k, miner);
    // Half the time walletd follows the competing chain first, so the return is a second reorg;
    // otherwise it may see any intermediate state, or none, as a real node's peers would.
    const seen = c.rng.chance(0.5) && (await walletdReaches(c, tip - d + k));
    await c.node.base.call('reconsiderblock', stale);
    what = `reorg ${d} then back: ${k} competing block(s)${seen ? ' (walletd followed them)' : ''}, reconsiderblock restores the old chain`;
  } else if (victim) {
    const hex = await conflictOf(c.node, victim);
    const mined = hex !== null && (await mineConflict(c.node, hex));
    await c.node.harness.call('generatetoaddress', mined ? d : d + 1, miner);
    what = mined
      ? `reorg ${d}: receive ${victim} reorged out and double-spent in the competing chain (${d + 1} blocks)`
      : `reorg ${d}: ${d + 1} competing blocks (the double-spend of ${victim} could not be made)`;
  } else {
    const k = d + c.rng.int(1, 2);
    await c.node.harness.call('generatetoaddress', k, miner);
    const reconsider = c.rng.chance(0.5);
    if (reconsider) await c.node.base.call('reconsiderblock', stale);
    what = `reorg ${d}: ${k} competing blocks${reconsider ? ', reconsiderblock (old chain has less work)' : ''}`;
  }
  return `${what}; ${await rebroadcastReceives(c)}`;
}

/**
 * A reorg can push the counterparty's payments out of the mempool (for example when they spend a
 * coinbase that became immature again). A real sender rebroadcasts them; so does this one, so
 * that "not in the mempool" in the oracle means "cannot get in", not "nobody resent it".
 */
async function rebroadcastReceives(c: StepContext): Promise<string> {
  const pool = new Set(await c.node.base.call<string[]>('getrawmempool'));
  let resent = 0;
  for (const r of c.receives.slice(-200)) {
    if (pool.has(r.txid)) continue;
    const t = await c.node.harness.call<{ confirmations: number; hex: string }>('gettransaction', r.txid).catch(() => null);
    if (!t || t.confirmations !== 0) continue;
    if (await c.node.base.call('sendrawtransaction', t.hex).then(() => true, () => false)) resent++;
  }
  return `${resent} receive(s) rebroadcast`;
}
