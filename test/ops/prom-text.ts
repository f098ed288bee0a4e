/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for the metrics tests: every
 * family has one HELP and one TYPE before its samples, names and labels are valid, values parse,
 * counters end in `_total`, histograms have `_bucket` (with `le`), `_sum` and `_count`.
 */

/** One metric family as scraped. */
export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([^=,\s]+)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < text.length && (m = re.exec(text)) !== null) {
    if (!LABEL.test(m[1]!)) throw new Error(`bad label name ${m[1]} in: ${line}`);
    if (m[1]! in labels) throw new Error(`duplicate label ${m[1]} in: ${line}`);
    labels[m[1]!] = m[2]!;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`bad labels in: ${line}`);
  return labels;
}

/** The family a sample belongs to (a histogram's `_bucket`/`_sum`/`_count` go to their base). */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const base = m ? families.get(m[1]!) : undefined;
  return base && (base.type === 'histogram' || base.type === 'summary') ? base : undefined;
}

/** Parses and checks a whole exposition; throws naming the first offending line. */
export function parsePromText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  let current: Family | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      let fam = families.get(name);
      if (fam && fam !== current) throw new Error(`family ${name} is split: ${line}`);
      if (!fam) {
        if (current && current.type === '') throw new Error(`family ${current.name} has no TYPE`);
        fam = { name, type: '', help: '', samples: [] };
        families.set(name, fam);
        current = fam;
      }
      if (fam.samples.length > 0) throw new Error(`${kind} after samples of ${name}`);
      if (kind === 'HELP') {
        if (fam.help !== '') throw new Error(`second HELP for ${name}`);
        if (rest.trim() === '') throw new Error(`empty HELP for ${name}`);
        fam.help = rest;
      } else {
        if (fam.type !== '') throw new Error(`second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`bad TYPE: ${line}`);
        fam.type = rest;
      }
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, , labelText, valueText] = m as unknown as [string, string, string | undefined, string | undefined, string];
    const fam = familyOf(name, families);
    if (!fam || fam !== current) throw new Error(`sample ${name} is not under its family's HELP/TYPE: ${line}`);
    if (fam.help === '' || fam.type === '') throw new Error(`family ${fam.name} lacks HELP or TYPE before ${line}`);
    const value = ['+Inf', '-Inf', 'NaN'].includes(valueText) ? Number(valueText.replace('Inf', 'Infinity')) : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value in: ${line}`);
    const labels = labelText === undefined ? {} : parseLabels(labelText, line);
    if (fam.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new Error(`bucket without le: ${line}`);
    fam.samples.push({ name, labels, value });
  }
  for (const fam of families.values()) {
    if (fam.type === '' || fam.help === '') throw new Error(`family ${fam.name} lacks HELP or TYPE`);
    if (fam.type === 'counter' && !fam.name.endsWith('_total')) throw new Error(`counter ${fam.name} does not end in _total`);
    if (fam.type === 'histogram') {
      for (const s of fam.samples) if (!/_(bucket|sum|count)$/.test(s.name)) throw new Error(`histogram sample ${s.name} has no suffix`);
    }
  }
  return families;
}

/** Metric names a PromQL expression reads (walletd_*, nodejs_*, process_*), histogram suffixes included. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:walletd|nodejs|process)_[a-z0-9_]+\b/g) ?? [])];
}

/** True when `name` is a scraped family or a histogram series of one. */
export function isExported(name: string, families: Map<string, Family>): boolean {
  return familyOf(name, families) !== undefined;
}
