/**
 * Just enough YAML for docker-compose.yml in the ops tests (block maps, block lists, `>-`/`|`
 * scalars, quoted scalars, JSON flow lists), so the tests need no YAML dependency.
 */

/** A parsed YAML node. */
export type YamlNode = string | null | YamlNode[] | { [key: string]: YamlNode };

interface Line {
  indent: number;
  text: string;
}

function scalar(raw: string): YamlNode {
  const v = raw.trim();
  if (v === '' || v === '~' || v === 'null') return null;
  if (v.startsWith('[') || v.startsWith('{')) return JSON.parse(v) as YamlNode;
  if (/^".*"$/.test(v)) return JSON.parse(v) as string;
  if (/^'.*'$/.test(v)) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}

/** Parses a YAML document of the subset above; throws on anything else. */
export function parseYaml(text: string): YamlNode {
  const lines: Line[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*(#.*)?$/.test(raw)) continue;
    if (raw.includes('\t')) throw new Error(`tab in YAML: ${raw}`);
    lines.push({ indent: raw.length - raw.trimStart().length, text: raw.trim().replace(/\s+#\s.*$/, '') });
  }
  let pos = 0;

  const block = (indent: number): YamlNode => {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    return first.text.startsWith('- ') || first.text === '-' ? list(first.indent) : map(first.indent);
  };

  const valueAfterKey = (keyIndent: number, rest: string): YamlNode => {
    if (rest === '>-' || rest === '>' || rest === '|' || rest === '|-') {
      const parts: string[] = [];
      while (pos < lines.length && lines[pos]!.indent > keyIndent) parts.push(lines[pos++]!.text);
      return parts.join(rest.startsWith('>') ? ' ' : '\n');
    }
    if (rest !== '') return scalar(rest);
    const next = lines[pos];
    // A list may sit at the same indent as its key (`key:\n- a`).
    if (next && (next.indent > keyIndent || (next.indent === keyIndent && next.text.startsWith('- ')))) return block(next.indent);
    return null;
  };

  const map = (indent: number, seed?: string): { [key: string]: YamlNode } => {
    const out: { [key: string]: YamlNode } = {};
    const entry = (text: string) => {
      const m = /^("[^"]*"|'[^']*'|[^:]+?):(?:\s+(.*))?$/.exec(text);
      if (!m) throw new Error(`not a mapping line: ${text}`);
      out[scalar(m[1]!) as string] = valueAfterKey(indent, (m[2] ?? '').trim());
    };
    if (seed !== undefined) entry(seed);
    while (pos < lines.length && lines[pos]!.indent === indent && !lines[pos]!.text.startsWith('- ')) entry(lines[pos++]!.text);
    return out;
  };

  const list = (indent: number): YamlNode[] => {
    const out: YamlNode[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith('- ')) {
      const item = lines[pos++]!.text.slice(2).trim();
      if (/^[>|]-?$/.test(item)) out.push(valueAfterKey(indent, item));
      else if (/^[^"'[{][^:]*:(\s|$)/.test(item)) out.push(map(indent + 2, item));
      else out.push(scalar(item));
    }
    return out;
  };

  const doc = block(0);
  if (pos !== lines.length) throw new Error(`unparsed YAML from: ${lines[pos]!.text}`);
  return doc;
}
