/** walletctl's human output: key-value lines for objects, aligned tables for lists of rows. */

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function isRow(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An aligned text table of rows, columns in first-seen key order. */
export function formatTable(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '(none)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Array<[string, unknown]>, tables: Array<[string, unknown[]]>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v) && v.length > 0 && v.every(isRow)) tables.push([key, v]);
    else if (isRow(v) && Object.keys(v).length > 0) flatten(v, key, out, tables);
    else out.push([key, v]);
  }
}

/** Formats any result for a person; `--json` bypasses this. */
export function formatHuman(result: unknown): string {
  if (Array.isArray(result)) return result.every(isRow) ? formatTable(result) : result.map(cell).join('\n');
  if (!isRow(result)) return cell(result);
  const pairs: Array<[string, unknown]> = [];
  const tables: Array<[string, unknown[]]> = [];
  flatten(result, '', pairs, tables);
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  const parts = pairs.length ? [pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join('\n')] : [];
  for (const [k, rows] of tables) parts.push(`${k}:\n${formatTable(rows as Array<Record<string, unknown>>)}`);
  return parts.join('\n\n');
}
