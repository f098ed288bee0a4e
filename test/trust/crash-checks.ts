/**
 * The checks the crash loop (crash-safety.test.ts) runs after each SIGKILL: the keystore's
 * integrity and its leases read directly while the daemon is down, and the sends as walletd and
 * the node each see them.
 */
import { expect } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';
import type { LeaseRow } from '../../src/keystore/wallet-rows.ts';


/** Runs SQLCipher's cipher_integrity_check and SQLite's integrity_check, and returns every lease. */
export async function checkKeystore(datadir: string): Promise<LeaseRow[]> {
  const ks = await openKeystore({ datadir });
  try {
    expect(await ks.db.all('PRAGMA cipher_integrity_check')).toEqual([]);
    expect(await ks.db.all<Record<string, string>>('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    return await ks.db.all<LeaseRow>('SELECT wallet_id, txid, vout, expires_at, reason FROM output_leases');
  } finally {
    await ks.close();
  }
}

/** Txids the node's wallet received at `dest`, mempool and replaced ones included. */
export async function nodeSends(node: RegtestNode, dest: string): Promise<Set<string>> {
  const list = await node.rpc<Array<{ address?: string; txid: string; category: string }>>('listtransactions', '*', 100_000, 0, true);
  return new Set(list.filter((t) => t.address === dest && t.category === 'receive').map((t) => t.txid));
}

/**
 * True when the node's wallet holds `txid`: a replaced send whose replacement confirmed keeps no
 * `details`, so listtransactions omits it, but gettransaction still finds it (confirmations < 0).
 */
export async function nodeKnows(node: RegtestNode, txid: string): Promise<boolean> {
  return node.rpc('gettransaction', txid, true).then(() => true, () => false);
}

/** Txids walletd's ledger says it sent, every page. */
export async function walletSends(daemon: RunningDaemon, wallet: string): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { transactions: Array<{ txid: string; direction: string }>; nextCursor: string | null } = await ok(
      daemon, daemon.adminToken, 'get_transaction_history', { wallet, limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    for (const t of page.transactions) if (t.direction === 'outgoing') out.add(t.txid);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** A coin as get_unspent_outputs lists it. */
export interface Coin {
  txid: string;
  vout: number;
  value: number;
  confirmations: number;
  spendable: boolean;
  lockedUntil: number | null;
}

/**
 * Leases after a restart (issue 16: "no lease outlives its expiry"): none lasts longer than its
 * term from before the kill, an acknowledged create_psbt's lease still holds its coins until
 * `leasedUntil`, and a coin whose lease has expired is free (no `lockedUntil`, spendable once
 * confirmed). Returns the confirmed coins that were freed by an expired lease.
 */
export async function checkLeases(opts: {
  daemon: RunningDaemon;
  wallet: string;
  leases: LeaseRow[];
  killedAt: number;
  leaseMs: number;
  heldPsbts: Array<{ inputs: string[]; leasedUntil: number }>;
}): Promise<Coin[]> {
  const { daemon, wallet, leases, killedAt, leaseMs } = opts;
  // Leases are taken before the kill with a term of leaseMs; a restart never extends one.
  for (const l of leases) expect(l.expires_at, `lease ${l.txid}:${l.vout}`).toBeLessThanOrEqual(killedAt + leaseMs);
  const coins = await ok<Coin[]>(daemon, daemon.adminToken, 'get_unspent_outputs', { wallet, minConf: 0 });
  const byOutpoint = new Map(coins.map((c) => [`${c.txid}:${c.vout}`, c]));
  const now = Date.now();
  const slackMs = 1_500;
  const freed: Coin[] = [];
  for (const l of leases.filter((x) => x.wallet_id === wallet)) {
    const coin = byOutpoint.get(`${l.txid}:${l.vout}`);
    if (!coin) continue; // spent by a recorded send: the ledger, not the lease, holds it now
    if (l.expires_at < now - slackMs) {
      expect(coin.lockedUntil, `expired lease on ${l.txid}:${l.vout}`).toBeNull();
      if (coin.confirmations > 0) {
        expect(coin.spendable).toBe(true);
        freed.push(coin);
      }
    } else if (l.expires_at > now + slackMs) {
      expect(coin.lockedUntil, `live lease on ${l.txid}:${l.vout}`).toBe(Math.floor(l.expires_at / 1000));
      expect(coin.spendable).toBe(false);
    }
  }
  // An acknowledged lease is a write like any other: it survives the kill until it expires.
  const live = new Map(leases.map((l) => [`${l.txid}:${l.vout}`, l.expires_at]));
  for (const psbt of opts.heldPsbts) {
    if (psbt.leasedUntil * 1000 < now + slackMs) continue;
    for (const outpoint of psbt.inputs) {
      expect(live.has(outpoint), `acknowledged lease ${outpoint}`).toBe(true);
      if (byOutpoint.has(outpoint)) expect(byOutpoint.get(outpoint)!.lockedUntil).toBe(psbt.leasedUntil);
    }
  }
  return freed;
}

/** For a failure message: walletd's view of each txid named in `message` and how the test knows it. */
export async function explain(daemon: RunningDaemon, wallet: string, message: string, labels: Map<string, string>): Promise<string> {
  const out: string[] = [];
  for (const [txid] of message.matchAll(/[0-9a-f]{64}/g)) {
    const answer = await rpc(daemon, daemon.adminToken, 'get_transaction', { wallet, txid });
    const t = answer.result as { status?: string; replacedBy?: string | null; conflictedBy?: string | null; inputs?: Array<{ txid: string; vout: number }> } | undefined;
    out.push(`${txid.slice(0, 12)}: acked as ${labels.get(txid) ?? 'not acknowledged'}, walletd status ${t?.status}, replacedBy ${t?.replacedBy ?? null}, ` +
      `conflictedBy ${t?.conflictedBy ?? null}, inputs ${(t?.inputs ?? []).map((i) => `${i.txid.slice(0, 12)}:${i.vout}`).join(' ')}`);
  }
  const logs = daemon.logs.filter((l) => typeof l.level === 'number' && l.level >= 40).slice(-5);
  return `${out.join('; ')}; daemon warnings: ${JSON.stringify(logs).slice(0, 2000)}`;
}
