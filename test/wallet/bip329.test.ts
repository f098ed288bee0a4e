/**
 * BIP329 (wallet labels export format) against the BIP's own test vectors, kept verbatim in
 * test/vectors/, and the refusals an import must name line by line.
 */
import { describe, expect, it } from 'vitest';
import { formatLabels, parseLabels, walletOrigin } from '../../src/wallet/labels/bip329.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import { readVector } from '../vectors/parse-mediawiki.ts';

const mainnet = resolveNetwork('mainnet');
const vector = /<pre>\n([\s\S]*?)<\/pre>/.exec(readVector('bip-0329-test-vectors.mediawiki'))![1]!;
const vectorLines = vector.trim().split('\n').map((l) => JSON.parse(l) as { type: string; ref: string; label: string; origin?: string });
// The vector's first tx names the account wpkh([d34db33f/84'/0'/0']); the last one is another account's.
const origin = walletOrigin({ addressType: 'p2wpkh', masterFingerprint: 'D34DB33F' }, mainnet);

describe('BIP329 labels', () => {
  it('derives the origin the vector uses for account 0', () => {
    expect(origin).toBe(vectorLines[0]!.origin);
  });

  it('reads every record type of the test vectors, and refuses the other account\'s line', () => {
    const { records, refused } = parseLabels(vector, mainnet, origin);
    expect(records.map((r) => [r.type, r.ref, r.label])).toEqual(vectorLines.slice(0, 6).map((l) => [l.type, l.ref, l.label]));
    expect(records.find((r) => r.type === 'output')?.spendable).toBe(false);
    expect(refused).toEqual([{ line: 7, reason: expect.stringContaining("is not this wallet's") }]);
  });

  it('round-trips what it reads', () => {
    const { records } = parseLabels(vector, mainnet, origin);
    const stored = records.map((r) => ({ type: r.type, ref: r.ref, label: r.label ?? null, origin: r.origin ?? null, spendable: r.spendable ?? null }));
    const again = parseLabels(formatLabels(stored, origin), mainnet, origin);
    expect(again.refused).toEqual([]);
    expect(again.records).toEqual(records.map((r) => (r.type === 'tx' ? { ...r, origin } : r)));
  });

  it('names each bad line with its reason and keeps the good ones', () => {
    const txid = 'ab'.repeat(32);
    const doc = [
      `{"type":"tx","ref":"${txid}","label":"ok"}`,
      'not json',
      '',
      '[1,2]',
      `{"type":"utxo","ref":"${txid}:0","label":"x"}`,
      `{"type":"tx","ref":"xyz","label":"x"}`,
      `{"type":"addr","ref":"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx","label":"x"}`,
      `{"type":"tx","ref":"${txid}","label":"${'x'.repeat(300)}"}`,
      `{"type":"tx","ref":"${txid}","label":7}`,
      `{"type":"addr","ref":"bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c","spendable":true}`,
      `{"type":"xpub","ref":"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi","label":"x"}`,
      `{"type":"output","ref":"${txid.toUpperCase()}:01","label":"out"}`,
    ].join('\n');
    const { records, refused } = parseLabels(doc, mainnet, origin);
    expect(records).toEqual([{ type: 'tx', ref: txid, label: 'ok' }, { type: 'output', ref: `${txid}:1`, label: 'out' }]);
    expect(refused.map((r) => r.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11]);
    const reasons = refused.map((r) => r.reason).join('\n');
    expect(reasons).toContain('address of another network');
    expect(reasons).toContain('unknown type');
    // A private key is refused without being echoed.
    expect(reasons).not.toContain('xprv9s21');
  });
});
