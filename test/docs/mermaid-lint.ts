/**
 * A small, offline checker for the Mermaid subset walletd's docs use (flowchart/graph and
 * stateDiagram-v2): the diagram type, node shapes with balanced brackets, edge syntax, subgraph
 * nesting, reserved words, and that every node an edge names has a label somewhere (typos).
 * It is stricter than Mermaid, so what passes here renders there.
 */

const DIRECTIONS = new Set(['TD', 'TB', 'LR', 'RL', 'BT']);
// Words Mermaid's flowchart grammar keeps for itself: as node ids they break the parse.
const RESERVED = new Set(['end', 'call', 'click', 'style', 'class', 'classDef', 'subgraph', 'graph', 'flowchart', 'direction', 'linkStyle', 'default']);
const SHAPES: Array<[string, string]> = [['([', '])'], ['[(', ')]'], ['((', '))'], ['{{', '}}'], ['[', ']'], ['(', ')'], ['{', '}'], ['>', ']']];
const EDGE = /^(<-->|<?-->|<?---|-\.->|==>|-\. [^.|]+ \.->|-- [^-|]+ -->|== [^=|]+ ==>)(\|[^|"]+\|)?/;
const ID = /^[A-Za-z_][A-Za-z0-9_-]*/;
const BAD_BARE_LABEL = /[[\]{}()|";<>]/;

/** A problem found in one diagram: its line (1-based inside the block) and what is wrong. */
export interface MermaidProblem {
  line: number;
  message: string;
}

/** The problems in one Mermaid block (its text between the fences); empty when it is well-formed. */
export function lintMermaid(block: string): MermaidProblem[] {
  const lines = block.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('%%'));
  if (first === -1) return [{ line: 1, message: 'empty diagram' }];
  const header = lines[first]!.trim().split(/\s+/);
  const body = lines.map((text, i) => ({ text: text.trim(), line: i + 1 })).slice(first + 1).filter((l) => l.text !== '' && !l.text.startsWith('%%'));
  if (header[0] === 'flowchart' || header[0] === 'graph') {
    if (header.length !== 2 || !DIRECTIONS.has(header[1]!)) return [{ line: first + 1, message: `bad flowchart header: ${lines[first]}` }];
    return lintFlowchart(body);
  }
  if (header[0] === 'stateDiagram-v2' || header[0] === 'stateDiagram') {
    if (header.length !== 1) return [{ line: first + 1, message: `bad state diagram header: ${lines[first]}` }];
    return lintState(body);
  }
  return [{ line: first + 1, message: `unknown or unsupported diagram type: ${header[0]} (extend test/docs/mermaid-lint.ts)` }];
}

/** Reads one node reference at the start of `text`: its id, its label (if a shape follows) and the rest. */
function readNode(text: string): { id: string; label: string | null; rest: string } | string {
  const m = ID.exec(text);
  if (!m) return `expected a node id at: ${text}`;
  const id = m[0];
  if (RESERVED.has(id)) return `"${id}" is a reserved word and cannot be a node id`;
  let rest = text.slice(id.length);
  const shape = SHAPES.find(([open]) => rest.startsWith(open));
  if (!shape) return { id, label: null, rest };
  const [open, close] = shape;
  rest = rest.slice(open.length);
  let label: string;
  if (rest.startsWith('"')) {
    const endQuote = rest.indexOf('"', 1);
    if (endQuote === -1) return `unterminated quoted label for ${id}`;
    label = rest.slice(1, endQuote);
    rest = rest.slice(endQuote + 1);
    if (!rest.startsWith(close)) return `label of ${id} must close with ${close}`;
  } else {
    const end = rest.indexOf(close);
    if (end === -1) return `label of ${id} is not closed with ${close}`;
    label = rest.slice(0, end);
    if (BAD_BARE_LABEL.test(label)) return `label of ${id} has brackets, quotes, pipes or ; — quote it: ${label}`;
    rest = rest.slice(end);
  }
  if (label.trim() === '') return `empty label for ${id}`;
  return { id, label, rest: rest.slice(close.length) };
}

function lintFlowchart(body: Array<{ text: string; line: number }>): MermaidProblem[] {
  const problems: MermaidProblem[] = [];
  const labelled = new Set<string>();
  const referenced: Array<{ id: string; line: number }> = [];
  let depth = 0;
  for (const { text, line } of body) {
    if (text === 'end') {
      if (depth === 0) problems.push({ line, message: '`end` without a subgraph' });
      else depth -= 1;
      continue;
    }
    const sub = /^subgraph\s+(.*)$/.exec(text);
    if (sub) {
      depth += 1;
      const node = readNode(sub[1]!.replace(/^(\S+)\s+\[/, '$1['));
      if (typeof node === 'string') problems.push({ line, message: `subgraph: ${node}` });
      else if (node.rest.trim() !== '') problems.push({ line, message: `subgraph: trailing text ${node.rest}` });
      else labelled.add(node.id);
      continue;
    }
    if (/^direction\s+/.test(text)) {
      if (!DIRECTIONS.has(text.split(/\s+/)[1] ?? '')) problems.push({ line, message: `bad direction: ${text}` });
      continue;
    }
    if (/^(classDef|class|style|linkStyle)\s/.test(text)) continue;
    let rest = text;
    let expectNode = true;
    while (rest !== '') {
      if (expectNode) {
        const node = readNode(rest);
        if (typeof node === 'string') {
          problems.push({ line, message: node });
          break;
        }
        if (node.label !== null) labelled.add(node.id);
        referenced.push({ id: node.id, line });
        rest = node.rest.trimStart();
      } else {
        const edge = EDGE.exec(rest);
        if (!edge) {
          problems.push({ line, message: `expected an edge (-->, -.->, ==>, -->|text|) at: ${rest}` });
          break;
        }
        rest = rest.slice(edge[0].length).trimStart();
        if (rest === '') problems.push({ line, message: 'edge without a target' });
      }
      expectNode = !expectNode;
    }
  }
  if (depth !== 0) problems.push({ line: body.at(-1)?.line ?? 1, message: `${depth} subgraph(s) not closed with end` });
  for (const r of referenced) {
    if (!labelled.has(r.id)) problems.push({ line: r.line, message: `node ${r.id} is never given a label (a typo?)` });
  }
  return problems;
}

const STATE = /^(\[\*\]|[A-Za-z_][A-Za-z0-9_]*)$/;

function lintState(body: Array<{ text: string; line: number }>): MermaidProblem[] {
  const problems: MermaidProblem[] = [];
  let transitions = 0;
  for (const { text, line } of body) {
    const t = /^(\S+)\s+-->\s+([^:\s]+)\s*(?::\s*(.*))?$/.exec(text);
    if (t) {
      transitions += 1;
      for (const s of [t[1]!, t[2]!]) if (!STATE.test(s)) problems.push({ line, message: `bad state name ${s}` });
      if (t[3] !== undefined && t[3].trim() === '') problems.push({ line, message: 'empty transition label' });
      continue;
    }
    if (/^state\s+"[^"]+"\s+as\s+[A-Za-z_][A-Za-z0-9_]*$/.test(text) || /^[A-Za-z_][A-Za-z0-9_]*\s*:\s*\S/.test(text)) continue;
    if (/^direction\s+(TB|LR|RL|BT)$/.test(text) || /^note\s/.test(text) || text === 'end note') continue;
    problems.push({ line, message: `not a state diagram statement: ${text}` });
  }
  if (transitions === 0) problems.push({ line: 1, message: 'a state diagram without transitions' });
  return problems;
}

/** Every ```mermaid block in a Markdown text, with the line its fence opens on. */
export function mermaidBlocks(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```mermaid') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end === -1) throw new Error(`unterminated mermaid block at line ${i + 1}`);
    out.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}
