/**
 * Upgrade of a v1 keystore: its stored transactions are replayed once through the ledger's own
 * event handling, so coins, spends and totals come out exactly as sync would have written
 * them, with no chain access. The v1 tables are dropped in the same transaction.
 */
import { chainOrder } from '../wallet/ledger/chain-order.ts';
import { LedgerWriter } from '../wallet/ledger/ledger.ts';
import type { Database } from './database.ts';
import type { SqlWalletStore } from './sql-wallet-store.ts';

interface V1TxRow {
  txid: string;
  hex: string;
  block_height: number | null;
  block_hash: string | null;
  block_time: number | null;
  status: string;
  replaced_by: string | null;
  first_seen: number;
}

/** Replays v1 history into the ledger when the v2 migration left it pending; returns the transactions replayed. */
export async function rebuildLedger(db: Database, store: SqlWalletStore, now: number): Promise<number> {
  const flag = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'ledger.rebuild'");
  if (flag?.value !== 'pending') return 0;
  let replayed = 0;
  for (const wallet of await store.listWallets()) {
    const rows = await db.all<V1TxRow>('SELECT * FROM wallet_txs WHERE wallet_id = ?', [wallet.id]);
    const tip = (await store.getSyncPoint(wallet.id))?.height ?? 0;
    const byTxid = new Map(rows.map((r) => [r.txid, r]));
    const live = rows.filter((r) => r.status === 'pending' || r.status === 'confirmed');
    const dead = rows.filter((r) => r.status === 'replaced' || r.status === 'conflicted');
    await store.transact(wallet.id, async (txn) => {
      const writer = new LedgerWriter(txn, tip, now);
      const seen = chainOrder([...live, ...dead].map((r) => ({
        txid: r.txid, hex: r.hex, blockHeight: r.status === 'confirmed' ? r.block_height : null,
        blockHash: r.block_hash, blockTime: r.block_time,
      })));
      for (const tx of seen) await writer.seen(tx);
      for (const [txid, stored] of await txn.getTxs(dead.map((r) => r.txid))) {
        const old = byTxid.get(txid)!;
        await writer.deactivate(stored, old.status as 'replaced' | 'conflicted', old.replaced_by);
      }
      for (const [txid, stored] of await txn.getTxs(rows.map((r) => r.txid))) {
        await txn.putTx({ ...stored, firstSeen: byTxid.get(txid)!.first_seen });
      }
      await writer.setTip(tip);
    });
    replayed += rows.length;
  }
  await db.transaction(async (tx) => {
    await tx.run('DROP TABLE wallet_txs');
    await tx.run('DROP TABLE wallet_outputs');
    await tx.run("UPDATE meta SET value = ? WHERE key = 'ledger.rebuild'", [`done: ${replayed} transactions replayed`]);
  });
  return replayed;
}
