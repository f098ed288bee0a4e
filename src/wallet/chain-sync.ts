/**
 * One sync pass of one wallet: detect a reorg, scan the chain and mempool for the wallet's
 * scripts and coins, keep the gap-limit lookahead, and hand the store one update to apply.
 */
import { Transaction } from 'bitcoinjs-lib';
import { isWalletdError } from '../errors.ts';
import { lookaheadRows } from './address-book.ts';
import type { ChainBackend, ChainTx, Clock, SyncUpdate, WalletStore } from './ports.ts';
import type { AddressRecord, BlockRef, Network, WalletOutput, WalletRecord, WalletTx } from './types.ts';
import { inputOutpoint } from './wallet-views.ts';

/** How far back a reorg is undone when the synced block vanished: deeper than any real reorg. */
export const REORG_WINDOW = 100;
/** Bounded rescans when a pass derives new lookahead addresses. */
const MAX_PASSES = 20;

/** What the pass changed, for notifications. */
export interface SyncOutcome {
  tip: BlockRef;
  newTxids: string[];
  newlyConfirmed: string[];
  reorged: boolean;
}

/** Dependencies of a sync pass. */
export interface SyncDeps {
  store: WalletStore;
  chain: ChainBackend;
  network: Network;
  clock: Clock;
  gapLimit: number;
}

/** Rolls back to a point below a vanished sync point; returns the height to scan from. */
async function handleReorg(deps: SyncDeps, wallet: WalletRecord, tip: BlockRef): Promise<{ from: number; reorged: boolean }> {
  const point = await deps.store.getSyncPoint(wallet.id);
  if (!point) return { from: wallet.birthHeight, reorged: false };
  // An empty hash marks a point set without a block (a tx recorded before the first sync).
  if (point.hash === '') return { from: point.height + 1, reorged: false };
  const hash = point.height <= tip.height ? await deps.chain.getBlockHash(point.height) : null;
  if (hash === point.hash) return { from: point.height + 1, reorged: false };
  const height = Math.max(point.height - REORG_WINDOW, wallet.birthHeight - 1, -1);
  const to = { height, hash: height >= 0 ? ((await deps.chain.getBlockHash(height)) ?? '') : '' };
  await deps.store.rollback(wallet.id, to);
  return { from: height + 1, reorged: true };
}

/** Turns the backend's transactions into wallet rows, following coins found earlier in the list. */
function interpret(
  chainTxs: ChainTx[],
  wallet: WalletRecord,
  rows: AddressRecord[],
  known: { outputs: WalletOutput[]; txs: Map<string, WalletTx> },
  now: number,
): Omit<SyncUpdate, 'newAddresses' | 'syncPoint'> {
  const byScript = new Map(rows.map((r) => [r.script, r]));
  const owned = new Set(known.outputs.map((o) => `${o.txid}:${o.vout}`));
  const update: Omit<SyncUpdate, 'newAddresses' | 'syncPoint'> = { txs: [], outputs: [], spends: [], usedScripts: [] };
  // Confirmed first, in height order, so a coin is known before the tx that spends it.
  const ordered = [...chainTxs].sort((a, b) => (a.blockHeight ?? Infinity) - (b.blockHeight ?? Infinity));
  for (const ctx of ordered) {
    const tx = Transaction.fromHex(ctx.hex);
    let relevant = false;
    tx.ins.forEach((_, i) => {
      const outpoint = inputOutpoint(tx, i);
      if (!owned.has(outpoint)) return;
      relevant = true;
      const [txid, vout] = outpoint.split(':');
      update.spends.push({ txid: txid!, vout: Number(vout), spentBy: ctx.txid });
    });
    tx.outs.forEach((out, vout) => {
      const script = Buffer.from(out.script).toString('hex');
      const row = byScript.get(script);
      if (!row) return;
      relevant = true;
      owned.add(`${ctx.txid}:${vout}`);
      update.usedScripts.push(script);
      update.outputs.push({
        walletId: wallet.id, txid: ctx.txid, vout, value: out.value, script, address: row.address,
        chain: row.chain, index: row.index, blockHeight: ctx.blockHeight, spentBy: null,
      });
    });
    if (!relevant) continue;
    const previous = known.txs.get(ctx.txid);
    update.txs.push({
      walletId: wallet.id, txid: ctx.txid, hex: ctx.hex, blockHeight: ctx.blockHeight, blockHash: ctx.blockHash,
      blockTime: ctx.blockTime, status: ctx.blockHeight === null ? 'pending' : 'confirmed', replacedBy: null,
      firstSeen: previous?.firstSeen ?? now,
    });
  }
  return update;
}

/** Loads every stored tx of a wallet (they are few; history pages are read elsewhere). */
export async function allTxs(store: WalletStore, walletId: string): Promise<Map<string, WalletTx>> {
  const map = new Map<string, WalletTx>();
  let before: string | undefined;
  for (;;) {
    const page = await store.listTxs(walletId, { limit: 500, before });
    page.txs.forEach((t) => map.set(t.txid, t));
    if (!page.next) return map;
    before = page.next;
  }
}

/**
 * A pending tx the backend no longer reports was evicted, never relayed (a crash between signing
 * and broadcast), or double-spent. Rebroadcast it, as Bitcoin Core's wallet does; when the node
 * refuses, it is `replaced` if another wallet tx spends one of its inputs, else `conflicted`.
 */
async function reconcileDropped(deps: SyncDeps, walletId: string, dropped: WalletTx[]): Promise<void> {
  if (dropped.length === 0) return;
  const outputs = await deps.store.listOutputs(walletId, { unspentOnly: false });
  const spentBy = new Map(outputs.map((o) => [`${o.txid}:${o.vout}`, o.spentBy]));
  for (const tx of dropped) {
    try {
      await deps.chain.broadcast(tx.hex);
    } catch (err) {
      if (!isWalletdError(err, 'BROADCAST_REJECTED')) throw err;
      if ((await deps.chain.getTx(tx.txid)) !== null) continue;
      const decoded = Transaction.fromHex(tx.hex);
      const replacer = decoded.ins
        .map((_, i) => spentBy.get(inputOutpoint(decoded, i)))
        .find((by) => by && by !== tx.txid);
      await deps.store.setTxStatus(walletId, tx.txid, replacer ? 'replaced' : 'conflicted', replacer ?? null);
    }
  }
}

/** Runs one sync pass for `wallet`. Throws CHAIN_UNAVAILABLE when the backend is down. */
export async function syncWallet(
  deps: SyncDeps,
  wallet: WalletRecord,
  onProgress?: (height: number, tipHeight: number) => void,
): Promise<SyncOutcome> {
  const tip = await deps.chain.getTip();
  const { from, reorged } = await handleReorg(deps, wallet, tip);
  const txs = await allTxs(deps.store, wallet.id);
  const outputs = await deps.store.listOutputs(wallet.id, { unspentOnly: false });
  let rows = await deps.store.listAddresses(wallet.id);
  const newAddresses: AddressRecord[] = [];
  const outpoints = new Set(outputs.map((o) => `${o.txid}:${o.vout}`));
  // The first pass scans every script from the sync point. Addresses derived during the pass
  // were never looked for in the blocks already scanned, so each later pass scans just those
  // from the wallet's birth: a payment confirmed before the wallet learned the address counts.
  let scripts = new Set(rows.map((r) => r.script));
  let fromHeight = Math.max(0, from);
  let syncPoint: BlockRef | null = null;
  const found = new Map<string, ChainTx>();
  let update = interpret([], wallet, rows, { outputs, txs }, deps.clock.now());
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const scanned = await deps.chain.scan({ scripts, outpoints: new Set(outpoints), fromHeight, onProgress });
    // Later passes may reach a newer tip, but only the first covered every script up to its tip.
    syncPoint ??= scanned.tip;
    for (const t of scanned.txs) {
      const prior = found.get(t.txid);
      // Keep the confirmed view if one pass saw the tx mined and a later one in the mempool.
      if (!prior || t.blockHeight !== null || prior.blockHeight === null) found.set(t.txid, t);
    }
    update = interpret([...found.values()], wallet, rows, { outputs, txs }, deps.clock.now());
    update.outputs.forEach((o) => outpoints.add(`${o.txid}:${o.vout}`));
    const used = new Set(update.usedScripts);
    rows = rows.map((r) => (used.has(r.script) && !r.used ? { ...r, used: true } : r));
    const more = lookaheadRows(wallet, deps.network, rows, deps.gapLimit);
    if (more.length === 0) break;
    newAddresses.push(...more);
    rows = [...rows, ...more];
    scripts = new Set(more.map((r) => r.script));
    fromHeight = Math.max(0, wallet.birthHeight);
  }
  const scanned = { tip: syncPoint ?? tip, txs: [...found.values()] };
  await deps.store.applySync(wallet.id, { ...update, newAddresses, syncPoint: scanned.tip });
  const seen = new Set(scanned.txs.map((t) => t.txid));
  const dropped = [...txs.values()].filter((t) => t.status === 'pending' && !seen.has(t.txid));
  await reconcileDropped(deps, wallet.id, dropped);
  return {
    tip: scanned.tip,
    reorged,
    newTxids: update.txs.filter((t) => !txs.has(t.txid)).map((t) => t.txid),
    newlyConfirmed: update.txs
      .filter((t) => t.blockHeight !== null && txs.get(t.txid)?.blockHeight == null)
      .map((t) => t.txid),
  };
}

/**
 * Records a transaction the wallet just broadcast, so balances and coin choice reflect it at once
 * instead of after the next sync pass. The sync point does not move.
 */
export async function recordBroadcastTx(
  deps: Pick<SyncDeps, 'store' | 'clock'>,
  wallet: WalletRecord,
  tx: { txid: string; hex: string },
): Promise<void> {
  const [txs, outputs, rows, point] = await Promise.all([
    allTxs(deps.store, wallet.id),
    deps.store.listOutputs(wallet.id, { unspentOnly: false }),
    deps.store.listAddresses(wallet.id),
    deps.store.getSyncPoint(wallet.id),
  ]);
  const chainTx: ChainTx = { ...tx, blockHeight: null, blockHash: null, blockTime: null };
  const update = interpret([chainTx], wallet, rows, { outputs, txs }, deps.clock.now());
  const syncPoint = point ?? { height: wallet.birthHeight - 1, hash: '' };
  await deps.store.applySync(wallet.id, { ...update, newAddresses: [], syncPoint });
}
