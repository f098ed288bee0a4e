/**
 * Issue 15 point 7: every Mermaid picture in the README and docs/ parses (offline, with the
 * checker in mermaid-lint.ts), and the four pictures the issue asks for exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintMermaid, mermaidBlocks } from './mermaid-lint.ts';

const ROOT = new URL('../../', import.meta.url);
const docs = ['README.md', ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const blocks = docs.flatMap((file) => mermaidBlocks(readFileSync(new URL(file, ROOT), 'utf8')).map((b) => ({ file, ...b })));

describe('Mermaid pictures', () => {
  it('are all well-formed', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const b of blocks) expect({ at: `${b.file}:${b.line}`, problems: lintMermaid(b.text) }).toEqual({ at: `${b.file}:${b.line}`, problems: [] });
  });

  it('include the architecture, token lineage and scopes, the tx state machine and the sync loop', () => {
    const all = blocks.map((b) => b.text).join('\n');
    for (const needed of ['dispatcher', 'Wallet core', 'keystore', 'ChainBackend', 'mints a subset', 'FORBIDDEN_SCOPE', 'sync pass', 'backoff']) {
      expect({ needed, found: all.includes(needed) }).toEqual({ needed, found: true });
    }
    const states = blocks.find((b) => b.text.startsWith('stateDiagram-v2'))?.text ?? '';
    for (const s of ['broadcasting', 'pending', 'confirmed', 'replaced', 'conflicted']) expect(states).toMatch(new RegExp(`--> ${s}\\b`));
    expect(readFileSync(new URL('README.md', ROOT), 'utf8')).toContain('docs/diagrams.md');
  });
});

describe('the Mermaid checker', () => {
  const broken: Array<[string, RegExp]> = [
    ['sequenceDiagramm\n  A->>B: hi', /unknown or unsupported diagram type/],
    ['flowchart LR\n  a[one] --> b[two', /not closed/],
    ['flowchart LR\n  a[one] --> b[two]\n  a --> c', /node c is never given a label/],
    ['flowchart LR\n  subgraph s [S]\n  a[one]', /not closed with end/],
    ['flowchart LR\n  end[x] --> a[y]', /reserved word/],
    ['flowchart LR\n  a[one] -> b[two]', /expected an edge/],
    ['flowchart LR\n  a[call (x)] --> b[two]', /quote it/],
    ['flowchart sideways\n  a[x]', /bad flowchart header/],
    ['stateDiagram-v2\n  [*] --> pending:\n', /empty transition label/],
    ['stateDiagram-v2\n  pending -> confirmed', /not a state diagram statement/],
  ];
  it.each(broken)('rejects %j', (text, why) => {
    const problems = lintMermaid(text);
    expect(problems.map((p) => p.message).join('\n')).toMatch(why);
  });
});
