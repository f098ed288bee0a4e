/**
 * The scan progress behind get_wallet_info.sync and walletctl's progress line: the height the
 * scan really reached, blocks per second and an ETA, on an injected clock (no real time).
 */
import { describe, expect, it } from 'vitest';
import { ScanProgress } from '../../src/wallet/ledger/sync-progress.ts';
import { formatEta, progressLine } from '../../src/cli/walletctl-sugar.ts';

describe('scan progress', () => {
  it('reports the scanned height, its rate and an ETA from the clock', () => {
    let now = 1_000_000;
    const p = new ScanProgress(() => now);
    p.begin('w', 100);
    expect(p.view('w', 99)).toEqual({ scanHeight: 99, scanFrom: 100, rate: null, etaSeconds: null });
    now += 500;
    p.update('w', 149, 1099);
    // Under a second of data is no rate yet.
    expect(p.view('w', 99)).toMatchObject({ scanHeight: 149, rate: null, etaSeconds: null });
    now += 1500; // 100 blocks (100..199) in 2 s
    p.update('w', 199, 1099);
    expect(p.view('w', 99)).toEqual({ scanHeight: 199, scanFrom: 100, rate: 50, etaSeconds: 18 });
    expect(p.fraction('w')).toBeCloseTo(0.1);
    p.end('w');
    expect(p.view('w', 1099)).toEqual({ scanHeight: 1099, scanFrom: null, rate: null, etaSeconds: null });
  });

  it('takes the first scanned block as the start of an ordinary pass', () => {
    const p = new ScanProgress(() => 0);
    p.begin('w');
    p.update('w', 500, 500);
    expect(p.view('w', 499).scanFrom).toBe(500);
    expect(p.fraction('w')).toBe(1);
  });

  it('formats the line walletctl prints', () => {
    expect(progressLine({ state: 'syncing', progress: 0.1, syncHeight: 99, tipHeight: 1099, scanHeight: 199, rate: 50, etaSeconds: 18 }))
      .toBe('rescan: 10% (height 199/1099, 50 blocks/s, ETA 18s)');
    expect(progressLine({ state: 'synced', progress: 1, syncHeight: 1099, tipHeight: 1099, scanHeight: 1099, rate: null, etaSeconds: null }))
      .toBe('rescan: 100% (height 1099/1099)');
    expect(formatEta(3_725)).toBe('1h 02m');
    expect(formatEta(187)).toBe('3m 07s');
  });
});
