/**
 * Parsers for the verbatim BIP test-vector excerpts in this directory, so tests read the
 * expected values from the copied text instead of restating them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a vector file that sits next to this module. */
export function readVector(name: string): string {
  return readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8');
}

/** One block of `key = value` lines, opened by a `// ... = m/...` comment (path) or the file start. */
export interface KeyValueBlock {
  path: string | null;
  values: Record<string, string>;
}

/** Splits a BIP-84/86-style `<pre>` vector listing into blocks of `key = value` pairs. */
export function parseKeyValueBlocks(text: string): KeyValueBlock[] {
  const blocks: KeyValueBlock[] = [{ path: null, values: {} }];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const comment = /^\/\/.*=\s*(m\/\S+)$/u.exec(line);
    if (comment) {
      blocks.push({ path: comment[1]!, values: {} });
      continue;
    }
    const kv = /^([a-z_A-Z]+)\s*=\s*(.+)$/u.exec(line);
    if (kv) blocks[blocks.length - 1]!.values[kv[1]!] = kv[2]!.trim();
  }
  return blocks;
}

/** One BIP-32 test vector: the seed and, per chain path, the expected xpub and xprv. */
export interface Bip32Vector {
  name: string;
  seedHex: string;
  chains: Array<{ path: string; xpub: string; xprv: string }>;
}

/** Parses the BIP-32 `==Test Vectors==` mediawiki section (`<sub>H</sub>` becomes `'`). */
export function parseBip32Vectors(text: string): Bip32Vector[] {
  const vectors: Bip32Vector[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const heading = /^===(Test vector \d+)===$/u.exec(line);
    if (heading) {
      vectors.push({ name: heading[1]!, seedHex: '', chains: [] });
      continue;
    }
    const current = vectors[vectors.length - 1];
    if (!current) continue;
    const seed = /^Seed \(hex\): ([0-9a-f]+)$/u.exec(line);
    if (seed) current.seedHex = seed[1]!;
    const chain = /^\* Chain (m.*)$/u.exec(line);
    if (chain) current.chains.push({ path: chain[1]!.replaceAll('<sub>H</sub>', "'"), xpub: '', xprv: '' });
    const pub = /^\*\* ext pub: (\S+)$/u.exec(line);
    if (pub) current.chains[current.chains.length - 1]!.xpub = pub[1]!;
    const prv = /^\*\* ext prv: (\S+)$/u.exec(line);
    if (prv) current.chains[current.chains.length - 1]!.xprv = prv[1]!;
  }
  return vectors;
}
