/** Order statistics for benchmark samples: percentiles of one run, median and range of repeats. */

/** The value at quantile `q` (0..1) of an ascending array, nearest-rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Latency percentiles of one sample set, in the samples' unit. */
export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** p50/p99/p99.9/max of `samples` (sorted in place as a copy). */
export function percentiles(samples: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), p999: quantile(sorted, 0.999), max: quantile(sorted, 1) };
}

/** The median of repeats with their range: how every figure of the bench is reported. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** Median with min..max of the repeats in `values`. */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, values };
}

/** Paired ratios a[i]/b[i] of two interleaved arms, so each ratio compares the same moment. */
export function ratios(a: number[], b: number[]): Spread {
  return spread(a.map((x, i) => x / b[i]!));
}

/** Keeps at most `max` evenly spaced samples, so results files stay small but show the shape. */
export function thin(samples: ArrayLike<number>, max = 2000): number[] {
  const out: number[] = [];
  const step = Math.max(1, samples.length / max);
  for (let i = 0; i < samples.length && out.length < max; i += step) out.push(Math.round(samples[Math.floor(i)]! * 10) / 10);
  return out;
}

/** A number for tables: 3 significant digits, thousands grouped. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

/** `median (min..max)` of a spread. */
export function fmtSpread(s: Spread, digits = 3): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}..${fmt(s.max, digits)})`;
}
