/**
 * Per-method help for walletctl: one table of flags (each param once, with its unit) and an
 * example line, both derived from the method's schema so a new method documents itself.
 */
import type { CliMethod } from './cli-method.ts';
import type { ParamSpec } from './walletctl-schema.ts';

/** Units of params by wire name (SPEC §5: amounts are integer sats, fee rates sat/vB). */
const UNITS: Record<string, string> = {
  amount: 'sats',
  outputs: 'amount in sats',
  maxSendPerTx: 'sats',
  maxSendPerDay: 'sats',
  feeRate: 'sat/vB',
  maxFeeRate: 'sat/vB',
  confTarget: 'blocks',
  minConf: 'confirmations',
  timeoutSec: 'seconds',
  birthHeight: 'block height',
  fromHeight: 'block height',
  limit: 'rows',
  expiresAt: 'ISO 8601 time',
};

/** The unit of a param, or '' when it has none. */
export function unitOf(name: string): string {
  return UNITS[name] ?? '';
}

/** Hand-picked examples where a generated one would not show the common use. */
const EXAMPLES: Record<string, string> = {
  send_transaction: 'walletctl send_transaction --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 --amount 10000 --fee-rate 2',
  send_all: 'walletctl send_all --address bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 --fee-rate 2',
  bump_fee: 'walletctl bump_fee --txid <txid> --fee-rate 5',
  cancel_transaction: 'walletctl cancel_transaction <txid> 10',
  unlock_wallet: 'walletctl unlock_wallet --passphrase-file pass.txt --timeout-sec 60',
  get_balance: 'walletctl get_balance --wallet savings',
  create_wallet: 'walletctl create_wallet --name savings',
};

function exampleValue(spec: ParamSpec): string {
  const examples = (spec.schema as { examples?: unknown[] }).examples;
  const first = examples?.[0];
  if (typeof first === 'string') return /^[\w:./@-]+$/.test(first) ? first : `'${first}'`;
  if (first !== undefined) return `'${JSON.stringify(first)}'`;
  return `<${spec.flag}>`;
}

/** One example command line for a method. */
export function exampleOf(method: CliMethod, specs: ParamSpec[]): string {
  const fixed = EXAMPLES[method.name];
  if (fixed) return fixed;
  const args = specs.filter((s) => s.required).map((s) => `--${s.flag} ${exampleValue(s)}`);
  return ['walletctl', method.name, ...args].join(' ');
}

/** An extra flag walletctl adds to a method (sugar, secret files, --yes). */
export interface ExtraFlag {
  flag: string;
  type: string;
  unit: string;
  description: string;
}

/** The help text after commander's usage line: each flag once, with type, unit and whether required. */
export function methodHelp(method: CliMethod, specs: ParamSpec[], extras: ExtraFlag[]): string {
  const rows = [
    ...specs.map((s) => [`--${s.flag}`, s.type, unitOf(s.name), s.required ? 'required' : 'optional', s.description]),
    ...extras.map((e) => [`--${e.flag}`, e.type, e.unit, '', e.description]),
  ];
  const body = rows.length === 0 ? '  none' : alignRows(rows);
  const positional = method.positional?.length ? `\nPositional order: ${method.positional.join(', ')}\n` : '';
  const wallet = specs.some((s) => s.name === 'wallet')
    ? "\n--wallet takes an id or a unique name; default: WALLETD_WALLET, else the only wallet the token sees.\n"
    : '';
  return `\nParams:\n${body}\n${positional}${wallet}\nExample:\n  ${exampleOf(method, specs)}\n`;
}

function alignRows(rows: string[][]): string {
  const cols = rows[0]!.length;
  const widths = Array.from({ length: cols - 1 }, (_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => (i < cols - 1 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()}`).join('\n');
}
