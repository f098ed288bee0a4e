import { describe, expect, it } from 'vitest';
import { bip32 } from '../../src/wallet/keys/hd.ts';
import { parseBip32Vectors, readVector } from '../vectors/parse-mediawiki.ts';

const vectors = parseBip32Vectors(readVector('bip-0032-test-vectors.mediawiki'));

describe('BIP-32 test vectors 1-3 (bitcoin/bips)', () => {
  it('parses three vectors with seeds and chains', () => {
    expect(vectors.map((v) => v.name)).toEqual(['Test vector 1', 'Test vector 2', 'Test vector 3']);
    for (const v of vectors) {
      expect(v.seedHex).toMatch(/^[0-9a-f]{32,128}$/u);
      expect(v.chains.length).toBeGreaterThan(1);
    }
  });

  for (const v of vectors) {
    describe(v.name, () => {
      const root = bip32.fromSeed(Buffer.from(v.seedHex, 'hex'));
      it.each(v.chains)('chain $path', ({ path, xpub, xprv }) => {
        const node = path === 'm' ? root : root.derivePath(path);
        expect(node.toBase58()).toBe(xprv);
        expect(node.neutered().toBase58()).toBe(xpub);
      });

      // Unhardened steps can be checked from the parent xpub alone, as watch-only wallets do.
      const publicSteps = v.chains.slice(1).flatMap((c, i) => {
        const step = c.path.split('/').at(-1)!;
        return step.endsWith("'") ? [] : [{ path: c.path, parentXpub: v.chains[i]!.xpub, index: Number(step), xpub: c.xpub }];
      });
      if (publicSteps.length > 0) {
        it.each(publicSteps)('public derivation of $path from the parent xpub', ({ parentXpub, index, xpub }) => {
          expect(bip32.fromBase58(parentXpub).derive(index).toBase58()).toBe(xpub);
        });
      }
    });
  }
});
