/**
 * How far a scan in progress has got, and how fast: the real height the scan has reached (the
 * sync point only moves when the scan commits), its rate in blocks per second and an ETA, for
 * get_wallet_info.sync and walletctl's progress line. Time comes from the injected clock.
 */
import type { SyncStatus } from '../wallet-api.ts';

/** A rate needs this much elapsed time to mean anything. */
const MIN_ELAPSED_MS = 1000;

interface Scan {
  startedAt: number;
  from: number | null;
  height: number | null;
  tip: number | null;
}

/** Per-wallet progress of the scan in progress. */
export class ScanProgress {
  private readonly scans = new Map<string, Scan>();

  constructor(private readonly now: () => number) {}

  /** A pass for `walletId` starts; `from` is known for a rescan, else taken from the first block scanned. */
  begin(walletId: string, from: number | null = null): void {
    this.scans.set(walletId, { startedAt: this.now(), from, height: null, tip: null });
  }

  /** The scan reached `height` of `tip`. */
  update(walletId: string, height: number, tip: number): void {
    const s = this.scans.get(walletId);
    if (!s) return;
    s.from ??= height;
    s.height = height;
    s.tip = tip;
  }

  /** The pass is over (committed or failed). */
  end(walletId: string): void {
    this.scans.delete(walletId);
  }

  /** 0..1 of the scan in progress, or null when nothing is being scanned. */
  fraction(walletId: string): number | null {
    const s = this.scans.get(walletId);
    if (!s || s.height === null || s.tip === null || s.from === null) return null;
    return s.tip > s.from ? Math.min(1, Math.max(0, (s.height - s.from + 1) / (s.tip - s.from + 1))) : 1;
  }

  /** The scan fields of SyncStatus; `committed` is the wallet's sync height. */
  view(walletId: string, committed: number | null): Pick<SyncStatus, 'scanHeight' | 'scanFrom' | 'rate' | 'etaSeconds'> {
    const s = this.scans.get(walletId);
    if (!s) return { scanHeight: committed, scanFrom: null, rate: null, etaSeconds: null };
    const elapsed = this.now() - s.startedAt;
    const done = s.height === null || s.from === null ? 0 : s.height - s.from + 1;
    const rate = elapsed >= MIN_ELAPSED_MS && done > 0 ? Math.round((done / (elapsed / 1000)) * 10) / 10 : null;
    const left = s.height === null || s.tip === null ? null : Math.max(0, s.tip - s.height);
    return {
      scanHeight: s.height ?? committed,
      scanFrom: s.from,
      rate,
      etaSeconds: rate === null || rate === 0 || left === null ? null : Math.ceil(left / rate),
    };
  }
}
