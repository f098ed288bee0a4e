/**
 * A tiny SVG chart writer (no dependencies): latency CDFs on a log axis and range bars, for
 * distributions that read better as a picture than as three percentiles.
 */
import { writeFileSync } from 'node:fs';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const W = 760;
const H = 420;
const M = { l: 70, r: 20, t: 40, b: 50 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line of a CDF chart: a label and its samples (any order). */
export interface Series {
  label: string;
  samples: number[];
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

/** Writes a CDF chart (x: value on a log scale, y: fraction of samples at or below). */
export function writeCdfChart(file: string, title: string, unit: string, series: Series[]): void {
  const all = series.flatMap((s) => s.samples).filter((x) => x > 0);
  if (all.length === 0) return;
  const lo = Math.max(1e-3, Math.min(...all));
  const hi = Math.max(...all);
  const [l0, l1] = [Math.log10(lo), Math.log10(hi * 1.05)];
  const x = (v: number) => M.l + ((Math.log10(Math.max(v, lo)) - l0) / (l1 - l0 || 1)) * (W - M.l - M.r);
  const y = (f: number) => H - M.b - f * (H - M.t - M.b);
  const parts: string[] = [];
  for (const t of logTicks(lo, hi)) {
    if (t < lo / 1.01 || t > hi * 1.05) continue;
    parts.push(`<line x1="${x(t)}" y1="${M.t}" x2="${x(t)}" y2="${H - M.b}" stroke="#ddd"/><text x="${x(t)}" y="${H - M.b + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const f of [0, 0.5, 0.9, 1]) {
    parts.push(`<line x1="${M.l}" y1="${y(f)}" x2="${W - M.r}" y2="${y(f)}" stroke="#eee"/><text x="${M.l - 6}" y="${y(f) + 4}" text-anchor="end">${f}</text>`);
  }
  series.forEach((s, i) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    const pts = sorted.map((v, k) => `${x(v).toFixed(1)},${y((k + 1) / sorted.length).toFixed(1)}`);
    const c = COLORS[i % COLORS.length];
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    parts.push(`<rect x="${M.l + 10}" y="${M.t + 6 + i * 16}" width="10" height="10" fill="${c}"/><text x="${M.l + 26}" y="${M.t + 15 + i * 16}">${esc(s.label)}</text>`);
  });
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(unit)} (log scale)</text>`);
  writeSvg(file, title, parts);
}

/** One bar of a range chart: median with min..max whiskers. */
export interface RangeBar {
  label: string;
  median: number;
  min: number;
  max: number;
}

/** Writes horizontal bars (median) with min..max whiskers, on a linear axis from 0. */
export function writeRangeChart(file: string, title: string, unit: string, bars: RangeBar[]): void {
  if (bars.length === 0) return;
  const hi = Math.max(...bars.map((b) => b.max)) * 1.1 || 1;
  const left = 230;
  const rowH = Math.max(14, Math.min(28, (H - M.t - M.b) / bars.length));
  const h = M.t + M.b + rowH * bars.length;
  const x = (v: number) => left + (v / hi) * (W - left - M.r);
  const parts: string[] = [];
  const step = niceStep(hi / 5);
  for (let t = 0; t <= hi; t += step) {
    parts.push(`<line x1="${x(t)}" y1="${M.t}" x2="${x(t)}" y2="${h - M.b + 4}" stroke="#ddd"/><text x="${x(t)}" y="${h - M.b + 16}" text-anchor="middle">${+t.toPrecision(3)}</text>`);
  }
  bars.forEach((b, i) => {
    const yy = M.t + i * rowH;
    parts.push(`<text x="${Math.max(x(b.median), x(b.max)) + 4}" y="${yy + rowH * 0.65}" font-size="10">${+b.median.toPrecision(3)}</text>`);
    parts.push(`<text x="${left - 6}" y="${yy + rowH * 0.65}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${yy + 3}" width="${Math.max(0, x(b.median) - left)}" height="${rowH - 6}" fill="${COLORS[i % 2]}" opacity="0.7"/>`);
    parts.push(`<line x1="${x(b.min)}" y1="${yy + rowH / 2}" x2="${x(b.max)}" y2="${yy + rowH / 2}" stroke="#000"/>`);
  });
  parts.push(`<text x="${(left + W) / 2}" y="${h - 12}" text-anchor="middle">${esc(unit)}</text>`);
  writeSvg(file, title, parts, h);
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function writeSvg(file: string, title: string, parts: string[], height = H): void {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif" font-size="11">`;
  const bg = `<rect width="100%" height="100%" fill="#fff"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`;
  writeFileSync(file, `${head}${bg}${parts.join('')}</svg>\n`);
}
