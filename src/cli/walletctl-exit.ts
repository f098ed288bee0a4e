/**
 * walletctl's exit codes (SPEC §9): one per error class, bitcoin-cli-like where Bitcoin Core has
 * the same meaning (6 insufficient funds, 13 locked, 14 bad passphrase, 18 not found, 26
 * rejected). Classes are keyed on the registry's `data.code` strings; the README's table is
 * rendered from this list and `src/errors.ts`, and a test keeps the two in step.
 */
import { isWalletdRpcError } from '../client/index.ts';
import { ERRORS } from '../errors.ts';
import { UsageError } from './walletctl-schema.ts';

/** One error class: its exit code, what it means, and the `data.code`s in it. */
export interface ExitClass {
  exit: number;
  name: string;
  meaning: string;
  codes: readonly string[];
}

/**
 * Every class, in exit-code order. A registry code listed nowhere exits 1 (`other`); codes that
 * other branches may add (e.g. FEE_ESTIMATE_UNAVAILABLE) are listed ahead, so they class right.
 */
export const EXIT_CLASSES: readonly ExitClass[] = [
  { exit: 0, name: 'ok', meaning: 'success', codes: [] },
  { exit: 1, name: 'other', meaning: 'any other error (an internal error, a reply without `data.code`)', codes: ['INTERNAL'] },
  { exit: 2, name: 'usage', meaning: 'bad usage: unknown method or flag, bad number, bad JSON, missing param, declined confirmation', codes: [] },
  { exit: 3, name: 'unreachable', meaning: 'walletd cannot be reached (no socket, connection refused, not a JSON-RPC reply)', codes: [] },
  { exit: 4, name: 'auth', meaning: 'the token is missing, invalid, expired or lacks the scope or wallet', codes: ['UNAUTHORIZED', 'FORBIDDEN_SCOPE', 'TOKEN_EXPIRED', 'REQUEST_REFUSED'] },
  { exit: 5, name: 'invalid address', meaning: 'the address is invalid or of another network', codes: ['INVALID_ADDRESS', 'WRONG_NETWORK'] },
  { exit: 6, name: 'insufficient funds', meaning: 'not enough spendable coins', codes: ['INSUFFICIENT_FUNDS'] },
  { exit: 8, name: 'invalid params', meaning: 'the daemon refused a param value', codes: ['INVALID_PARAMS', 'DUST_OUTPUT', 'FEE_TOO_LOW', 'TX_TOO_LARGE', 'REQUEST_TOO_LARGE'] },
  { exit: 10, name: 'policy', meaning: "refused by the token's limits or the fee cap", codes: ['SPEND_LIMIT', 'DESTINATION_NOT_ALLOWED', 'FEE_TOO_HIGH'] },
  { exit: 13, name: 'locked', meaning: 'the wallet is locked or cannot sign', codes: ['WALLET_LOCKED', 'WATCH_ONLY'] },
  { exit: 14, name: 'bad passphrase', meaning: 'the passphrase is wrong', codes: ['BAD_PASSPHRASE'] },
  { exit: 18, name: 'not found', meaning: 'no such wallet, transaction or token', codes: ['WALLET_NOT_FOUND', 'TX_NOT_FOUND', 'TOKEN_NOT_FOUND'] },
  { exit: 19, name: 'no wallet', meaning: 'no wallet given and no default, or an ambiguous wallet name', codes: ['WALLET_NOT_SELECTED', 'WALLET_AMBIGUOUS'] },
  { exit: 20, name: 'state', meaning: "the wallet's state refuses it (already confirmed, already exists)", codes: ['ALREADY_CONFIRMED', 'WALLET_EXISTS', 'NETWORK_MISMATCH'] },
  { exit: 26, name: 'rejected', meaning: 'the network rejected the transaction', codes: ['BROADCAST_REJECTED'] },
  { exit: 28, name: 'unavailable', meaning: 'try again later: chain down, rate limited, shutting down, no fee estimate, disk full', codes: ['CHAIN_UNAVAILABLE', 'RATE_LIMITED', 'SHUTTING_DOWN', 'FEE_ESTIMATE_UNAVAILABLE', 'STORAGE_FULL'] },
];

const byCode = new Map(EXIT_CLASSES.flatMap((c) => c.codes.map((code) => [code, c] as const)));
const byName = (name: string) => EXIT_CLASSES.find((c) => c.name === name)!;

/** Exit codes walletctl itself decides (not from a daemon error). */
export const EXIT = { ok: 0, other: 1, usage: 2, unreachable: 3 } as const;

/** The class of a `data.code` (`other` for one no class lists). */
export function classOf(code: string | undefined): ExitClass {
  return (code !== undefined ? byCode.get(code) : undefined) ?? byName('other');
}

/** The JSON-RPC protocol faults that mean a bad call, not a broken daemon. */
const PROTOCOL_USAGE = new Set([-32600, -32601, -32602]);

/** The exit code and the stderr report for an error walletctl caught. */
export function describeError(err: unknown): { exit: number; report: Record<string, unknown> } {
  if (err instanceof UsageError) return { exit: EXIT.usage, report: { error: 'USAGE', message: err.message } };
  if (isWalletdRpcError(err)) {
    const code = err.data.code;
    const exit = code === undefined && PROTOCOL_USAGE.has(err.code) ? byName('invalid params').exit : classOf(code).exit;
    return { exit, report: { error: code ?? 'RPC_ERROR', code: err.code, message: err.message, data: err.data } };
  }
  const errno = (err as NodeJS.ErrnoException).code;
  return {
    exit: EXIT.unreachable,
    report: { error: 'UNREACHABLE', ...(errno ? { errno } : {}), message: `cannot reach walletd: ${(err as Error).message}` },
  };
}

/** One human stderr line (plus `data` as JSON when it holds more than the code). */
export function humanReport(report: Record<string, unknown>): string {
  const { error, code, message, data } = report as { error: string; code?: number; message: string; data?: Record<string, unknown> };
  const head = code === undefined ? `error: ${message}` : `error: ${error} (${code}): ${message}`;
  const extra = data && Object.keys(data).some((k) => k !== 'code') ? `\ndata: ${JSON.stringify(data)}` : '';
  return `${head}${extra}`;
}

/** The README's exit-code table, rendered from the classes and the registry. */
export function renderExitTable(registry: Record<string, unknown> = ERRORS): string {
  const known = Object.keys(registry);
  const unclassed = known.filter((c) => !byCode.has(c));
  const rows = EXIT_CLASSES.map((c) => {
    const codes = [...c.codes.filter((code) => known.includes(code)), ...(c.name === 'other' ? unclassed : [])];
    return `| ${c.exit} | ${c.name} | ${c.meaning} | ${codes.map((code) => `\`${code}\``).join(', ') || '-'} |`;
  });
  return ['| exit | class | meaning | `data.code` |', '|---|---|---|---|', ...rows].join('\n');
}
