/**
 * LabelStore over the keystore: wallet addresses' labels in `addresses.label`, every other
 * BIP329 record in `labels` (schema v7). Lookups join a JSON list of the page's refs, so their
 * cost follows the page, and each SQL text is a constant (prepared once).
 */
import type { LabelRecord, LabelStore, LabelType, LabelWrite } from '../wallet/labels/label-store.ts';
import { SqlLedgerStore } from './sql-ledger-store.ts';

const LABELS_OF = `SELECT l.ref, l.label FROM json_each(?3) j CROSS JOIN labels l
  WHERE l.wallet_id = ?1 AND l.type = ?2 AND l.ref = j.value AND l.label IS NOT NULL`;
// `txid:` < ref < `txid;` is every `txid:vout` (';' follows ':'), an index range per transaction.
const OUTPUT_LABELS_OF = `SELECT l.ref, l.label FROM json_each(?2) j CROSS JOIN labels l
  WHERE l.wallet_id = ?1 AND l.type = 'output' AND l.ref > j.value || ':' AND l.ref < j.value || ';' AND l.label IS NOT NULL`;
const OWN_ADDRESSES = `SELECT a.address, a.label FROM json_each(?2) j CROSS JOIN addresses a
  WHERE a.wallet_id = ?1 AND a.address = j.value`;
const UPSERT = `INSERT INTO labels (wallet_id, type, ref, label, origin, spendable) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
  ON CONFLICT (wallet_id, type, ref) DO UPDATE SET
    label = CASE WHEN ?7 THEN excluded.label ELSE label END,
    origin = CASE WHEN ?8 THEN excluded.origin ELSE origin END,
    spendable = CASE WHEN ?9 THEN excluded.spendable ELSE spendable END`;
// A record left with neither a label nor a spendable flag says nothing: drop it.
const DROP_EMPTY = 'DELETE FROM labels WHERE wallet_id = ? AND type = ? AND ref = ? AND label IS NULL AND spendable IS NULL';
const SET_OWN = 'UPDATE addresses SET label = ? WHERE wallet_id = ? AND address = ?';

interface LabelRow {
  type: LabelType;
  ref: string;
  label: string | null;
  origin: string | null;
  spendable: number | null;
}

/** '' and null both clear a label. */
const cleared = (label: string | null | undefined) => (label === undefined ? null : label === '' ? null : label);

/** The ledger's reads plus labels; SqlWalletStore builds on it. */
export class SqlLabelStore extends SqlLedgerStore implements LabelStore {
  async labelsOf(walletId: string, type: LabelType, refs: readonly string[]): Promise<Map<string, string>> {
    if (refs.length === 0) return new Map();
    const rows = await this.db.all<{ ref: string; label: string }>(LABELS_OF, [walletId, type, JSON.stringify([...new Set(refs)])]);
    return new Map(rows.map((r) => [r.ref, r.label]));
  }

  async outputLabelsOf(walletId: string, txids: readonly string[]): Promise<Map<string, string>> {
    if (txids.length === 0) return new Map();
    const rows = await this.db.all<{ ref: string; label: string }>(OUTPUT_LABELS_OF, [walletId, JSON.stringify([...new Set(txids)])]);
    return new Map(rows.map((r) => [r.ref, r.label]));
  }

  async addressLabels(walletId: string, addresses: readonly string[]): Promise<Map<string, string>> {
    if (addresses.length === 0) return new Map();
    const list = JSON.stringify([...new Set(addresses)]);
    const [own, foreign] = await Promise.all([
      this.db.all<{ address: string; label: string | null }>(OWN_ADDRESSES, [walletId, list]),
      this.db.all<{ ref: string; label: string }>(LABELS_OF, [walletId, 'addr', list]),
    ]);
    const out = new Map(foreign.map((r) => [r.ref, r.label]));
    // An address row is the wallet's own: its label (the one generate_address set) comes first.
    for (const r of own) if (r.label !== null && r.label !== '') out.set(r.address, r.label);
    return out;
  }

  async putLabels(walletId: string, records: readonly LabelWrite[]): Promise<void> {
    if (records.length === 0) return;
    const addrs = records.filter((r) => r.type === 'addr').map((r) => r.ref);
    await this.db.transaction(async (tx) => {
      const own = new Set(
        addrs.length === 0 ? [] : (await tx.all<{ address: string }>(OWN_ADDRESSES, [walletId, JSON.stringify(addrs)])).map((r) => r.address),
      );
      const mine = records.filter((r) => r.type === 'addr' && own.has(r.ref));
      const rest = records.filter((r) => !(r.type === 'addr' && own.has(r.ref)));
      await tx.runMany(SET_OWN, mine.filter((r) => r.label !== undefined).map((r) => [cleared(r.label), walletId, r.ref]));
      await tx.runMany(UPSERT, rest.map((r) => [
        walletId, r.type, r.ref, cleared(r.label), r.origin ?? null,
        r.spendable === undefined || r.spendable === null ? null : r.spendable ? 1 : 0,
        r.label !== undefined ? 1 : 0, r.origin !== undefined ? 1 : 0, r.spendable !== undefined ? 1 : 0,
      ]));
      await tx.runMany(DROP_EMPTY, rest.map((r) => [walletId, r.type, r.ref]));
    });
  }

  async allLabels(walletId: string): Promise<LabelRecord[]> {
    const [own, rows] = await Promise.all([
      this.db.all<{ address: string; label: string }>(
        `SELECT address, label FROM addresses WHERE wallet_id = ? AND label IS NOT NULL AND label != '' ORDER BY chain, idx`,
        [walletId],
      ),
      this.db.all<LabelRow>('SELECT type, ref, label, origin, spendable FROM labels WHERE wallet_id = ? ORDER BY type, ref', [walletId]),
    ]);
    return [
      ...own.map((r): LabelRecord => ({ type: 'addr', ref: r.address, label: r.label })),
      ...rows.map((r): LabelRecord => ({
        type: r.type, ref: r.ref, label: r.label, origin: r.origin, spendable: r.spendable === null ? null : r.spendable === 1,
      })),
    ];
  }
}
