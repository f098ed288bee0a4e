/** A canned PortabilityApi for RPC unit tests (e.g. the auth matrix's fakeServices). */
import type { BackupResult, ImportRequest, ImportResult, PortabilityApi } from '../../src/portability/portability-api.ts';

/** Returns valid DTOs and records calls; holds no keys. */
export class FakePortability implements PortabilityApi {
  calls: Array<{ op: string; arg?: unknown }> = [];
  async exportWallet(walletId: string): Promise<string> {
    this.calls.push({ op: 'exportWallet', arg: walletId });
    return Buffer.from('WDBUNDLE').toString('base64');
  }
  async importWallet(req: ImportRequest): Promise<ImportResult> {
    this.calls.push({ op: 'importWallet', arg: Object.keys(req) });
    const summary = { id: 'w3', name: 'imported', network: 'regtest' as const, addressType: 'p2wpkh' as const, watchOnly: false, locked: false };
    return { ...summary, wallets: [summary] };
  }
  async backupWallets(): Promise<BackupResult> {
    this.calls.push({ op: 'backupWallets' });
    return { path: '/data/backups/walletd-backup-20300101T000000000Z.wdb', wallets: 2 };
  }
}
