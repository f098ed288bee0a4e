/**
 * Strict number parsing for walletctl: sats and other integers are plain decimal digits (no hex,
 * exponent, sign, spaces or fraction, which `Number()` would accept: `0x2710` and `1e4` both
 * read as 10,000), and `--amount-btc` turns a decimal BTC string into sats with no float.
 */
import { UsageError } from './walletctl-schema.ts';

/** Sats in one BTC. */
const SATS_PER_BTC = 100_000_000n;

/**
 * Parses an integer flag: digits only, a leading `-` only when the schema's minimum allows
 * negatives, and exact (above 2^53-1 a double would silently change the amount). Other range
 * rules stay the daemon's (INVALID_PARAMS), so they have a single source.
 */
export function parseStrictInteger(raw: string, what: string, min?: number): number {
  const negativeOk = min === undefined || min < 0;
  const shape = negativeOk ? /^-?(0|[1-9]\d*)$/ : /^(0|[1-9]\d*)$/;
  if (!shape.test(raw)) {
    const hint = /^-/.test(raw) && !negativeOk ? 'must not be negative' : 'must be a plain decimal integer (no hex, exponent, sign, spaces or decimals)';
    throw new UsageError(`${what} ${hint}, got ${JSON.stringify(raw)}`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what} is too large to send exactly, got ${raw}`);
  return n;
}

/** Parses a positive amount in sats (`--amount`). */
export function parseSats(raw: string, what: string): number {
  const n = parseStrictInteger(raw, what, 0);
  if (n === 0) throw new UsageError(`${what} must be more than 0 sats`);
  return n;
}

/** Parses a positive decimal BTC amount (at most 8 decimals) into sats, by string arithmetic. */
export function parseBtc(raw: string, what: string): number {
  const m = /^(0|[1-9]\d*)(?:\.(\d{1,8}))?$/.exec(raw);
  if (!m) throw new UsageError(`${what} must be a decimal BTC amount with at most 8 decimals (e.g. 0.0001), got ${JSON.stringify(raw)}`);
  const sats = BigInt(m[1]!) * SATS_PER_BTC + BigInt((m[2] ?? '').padEnd(8, '0'));
  if (sats <= 0n) throw new UsageError(`${what} must be more than 0`);
  if (sats > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`${what} is too large, got ${raw}`);
  return Number(sats);
}
