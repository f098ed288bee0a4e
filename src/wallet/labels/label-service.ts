/**
 * set_label, export_labels and import_labels over the label store. An import validates every
 * line, stores all the valid ones in one transaction, and names each refused line with why.
 */
import { address as baddress } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { validateAddress } from '../keys/address-validation.ts';
import { toBitcoinjsNetwork } from '../keys/networks.ts';
import type { WalletStore } from '../ports.ts';
import type { Network, WalletRecord } from '../types.ts';
import type { LabelImportResult } from '../wallet-api.ts';
import { formatLabels, MAX_LABEL_LENGTH, parseLabels, walletOrigin } from './bip329.ts';

/** Labels of one daemon's wallets. */
export class LabelService {
  constructor(private readonly deps: { store: WalletStore; network: Network }) {}

  /**
   * Labels an address (the wallet's or a counterparty's, of this network) or a wallet
   * transaction; exactly one of the two. An empty label clears it.
   */
  async setLabel(w: WalletRecord, req: { address?: string; txid?: string; label: string }): Promise<void> {
    if ((req.address === undefined) === (req.txid === undefined)) {
      fail('INVALID_PARAMS', 'give exactly one of address and txid', { field: req.address === undefined ? 'address' : 'txid' });
    }
    if (req.label.length > MAX_LABEL_LENGTH || /[\r\n]/.test(req.label)) {
      fail('INVALID_PARAMS', `a label is one line of at most ${MAX_LABEL_LENGTH} characters`, { field: 'label' });
    }
    const { store, network } = this.deps;
    if (req.txid !== undefined) {
      const txid = req.txid.toLowerCase();
      if (!(await store.getTx(w.id, txid))) fail('TX_NOT_FOUND', undefined, { txid });
      await store.putLabels(w.id, [{ type: 'tx', ref: txid, label: req.label }]);
      return;
    }
    // Canonical form (lower-case bech32), the one history and events show.
    const ref = baddress.fromOutputScript(validateAddress(req.address!, network).script, toBitcoinjsNetwork(network));
    await store.putLabels(w.id, [{ type: 'addr', ref, label: req.label }]);
  }

  /** Every label of the wallet as BIP329 JSON Lines. */
  async exportLabels(w: WalletRecord): Promise<{ labels: string; count: number }> {
    const records = await this.deps.store.allLabels(w.id);
    // A wallet address labelled both on its row and as an imported record: the row's label wins.
    const seen = new Set<string>();
    const unique = records.filter((r) => {
      const key = `${r.type}\n${r.ref}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return r.label !== null || r.spendable !== null;
    });
    return { labels: formatLabels(unique, walletOrigin(w, this.deps.network)), count: unique.length };
  }

  /** Imports a BIP329 document: the valid lines in one transaction, the others refused with a reason. */
  async importLabels(w: WalletRecord, req: { labels: string }): Promise<LabelImportResult> {
    const { records, refused } = parseLabels(req.labels, this.deps.network, walletOrigin(w, this.deps.network));
    await this.deps.store.putLabels(w.id, records);
    return { imported: records.length, refused };
  }
}
