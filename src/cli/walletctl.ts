/**
 * walletctl: the command-line client (SPEC §9). Every method of the table is a subcommand whose
 * flags come from its param schema; `--json` prints the raw result. Exit codes: 0 success,
 * 2 bad usage, and one per error class otherwise (walletctl-exit.ts), with the error's
 * `data.code` and `data` on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { isWalletdRpcError, type WalletdClient } from '../client/index.ts';
import type { CliMethod } from './cli-method.ts';
// The table without handlers: loading the real one would load the daemon (issue 14).
import { METHOD_CATALOG } from './generated/method-catalog.ts';
import { parseBtc, parseSats } from './walletctl-amounts.ts';
import { bashCompletion, zshCompletion } from './walletctl-completion.ts';
import { confirmOnTty, CONFIRM_METHODS, needsConfirmation } from './walletctl-confirm.ts';
import { clientOf, type GlobalOptions } from './walletctl-connect.ts';
import { describeError, EXIT, humanReport } from './walletctl-exit.ts';
import { methodHelp, type ExtraFlag } from './walletctl-help.ts';
import { formatHuman } from './walletctl-output.ts';
import { paramSpecs, parseValue, UsageError, type ParamSpec } from './walletctl-schema.ts';
import { CLI_SECRET_PARAMS, fileKey, resolveSecret } from './walletctl-secrets.ts';
import { addUiCommand } from './ui-command.ts';
import { addRestoreCommand, addTokenCommands, afterImport, afterRescan, DOCUMENT_PARAMS, readDocuments, type RunCall } from './walletctl-sugar.ts';
import { VERSION } from './version.ts';

export { EXIT } from './walletctl-exit.ts';

/** select_wallet sets a connection's default, and each walletctl call is a new connection. */
const SELECT_HINT =
  'select_wallet lasts only for one connection, and each walletctl call opens a new one: use --wallet ID|NAME or set WALLETD_WALLET';

/** Builds the params object of one generated subcommand from its flags and positional args. */
function buildParams(method: CliMethod, specs: ParamSpec[], opts: Record<string, unknown>, args: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const spec of specs) {
    const raw = opts[spec.name];
    if (raw !== undefined) params[spec.name] = parseValue(spec.schema, raw as string | boolean, `--${spec.flag}`);
  }
  const positional = method.positional ?? [];
  if (args.length > positional.length) throw new UsageError(`${method.name} takes at most ${positional.length} positional argument(s)`);
  args.forEach((raw, i) => {
    const name = positional[i]!;
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new UsageError(`${method.name}: unknown positional param ${name}`);
    if (name in params) throw new UsageError(`${name} given both as --${spec.flag} and as an argument`);
    params[name] = parseValue(spec.schema, raw, name);
  });
  // Sugar for one recipient: --to ADDR --amount SATS (or --amount-btc BTC).
  if (opts.to !== undefined || opts.amount !== undefined || opts.amountBtc !== undefined) {
    if ('outputs' in params) throw new UsageError('give either --outputs or --to/--amount');
    if (opts.amount !== undefined && opts.amountBtc !== undefined) throw new UsageError('give --amount (sats) or --amount-btc, not both');
    if (opts.to === undefined || (opts.amount === undefined && opts.amountBtc === undefined)) throw new UsageError('--to and --amount go together');
    const amount = opts.amount !== undefined ? parseSats(String(opts.amount), '--amount') : parseBtc(String(opts.amountBtc), '--amount-btc');
    params.outputs = [{ address: opts.to, amount }];
  }
  for (const spec of specs) {
    if (spec.required && !(spec.name in params)) {
      throw new UsageError(`${method.name}: missing required --${spec.flag}${spec.name === 'outputs' ? ' (or --to/--amount)' : ''}`);
    }
  }
  return params;
}

/** Adds one subcommand per method of the table. */
function addMethodCommand(program: Command, method: CliMethod, run: RunCall): void {
  const specs = paramSpecs(method.params);
  const cmd = program.command(method.name).description(method.summary);
  const alias = method.name.replace(/_/g, '-');
  if (alias !== method.name) cmd.alias(alias);
  // Commander's own option list is hidden: methodHelp prints each flag once, with its unit.
  const extras: ExtraFlag[] = [];
  const extra = (flag: string, arg: string, type: string, unit: string, description: string) => {
    cmd.addOption(new Option(`--${flag}${arg ? ` ${arg}` : ''}`, description).hideHelp());
    extras.push({ flag, type, unit, description });
  };
  for (const spec of specs) {
    const arg = (spec.schema as { type?: string }).type === 'boolean' ? '[bool]' : '<value>';
    cmd.addOption(new Option(`--${spec.flag} ${arg}`).hideHelp());
    // The wire name works too (`--feeRate`), so copying a param from the API docs just works.
    if (spec.flag !== spec.name) cmd.addOption(new Option(`--${spec.name} ${arg}`).hideHelp());
    if (CLI_SECRET_PARAMS.has(spec.name)) extra(`${spec.flag}-file`, '<path>', 'path', '', `read ${spec.flag} from a file ('-' for stdin)`);
    if (DOCUMENT_PARAMS.has(spec.name)) extra(`${spec.flag}-file`, '<path>', 'path', '', `read ${spec.flag} from a file ('-' for stdin)`);
  }
  // Old param names (`--new`, `--old` of set_passphrase) keep working, file variants included.
  for (const alias of Object.keys(method.aliases ?? {})) {
    cmd.addOption(new Option(`--${alias} <value>`).hideHelp()).addOption(new Option(`--${alias}-file <path>`).hideHelp());
  }
  if (specs.some((s) => s.name === 'outputs')) {
    extra('to', '<address>', 'string', '', 'single recipient (sugar for --outputs)');
    extra('amount', '<sats>', 'integer', 'sats', 'amount for --to');
    extra('amount-btc', '<btc>', 'decimal', 'BTC', 'amount for --to in BTC, at most 8 decimals (0.0001 = 10000 sats)');
  }
  if (CONFIRM_METHODS.has(method.name)) extra('yes', '', 'boolean', '', 'skip the confirmation prompt (asked only on a TTY)');
  const positional = method.positional ?? [];
  if (positional.length > 0) cmd.argument('[args...]', `positional params in order: ${positional.join(', ')}`);
  // An import or rescan runs in the daemon; walletctl follows its progress unless told not to.
  const follows = method.name === 'import_wallet' || method.name === 'rescan_wallet';
  if (follows) extra('no-wait', '', 'boolean', '', 'return at once instead of following the rescan progress');
  cmd.addHelpText('after', methodHelp(method, specs, extras));
  cmd.action(async (...actionArgs: unknown[]) => {
    const self = actionArgs[actionArgs.length - 1] as Command;
    const args = positional.length > 0 ? ((actionArgs[0] as string[] | undefined) ?? []) : [];
    const opts = { ...self.opts() } as Record<string, unknown>;
    for (const [alias, name] of Object.entries(method.aliases ?? {})) {
      if (opts[alias] !== undefined) opts[name] ??= opts[alias];
      if (opts[fileKey(alias)] !== undefined) opts[fileKey(name)] ??= opts[fileKey(alias)];
      delete opts[alias];
      delete opts[fileKey(alias)];
    }
    // SPEC §9: secrets from a file, stdin or a hidden prompt, so they need not sit in argv.
    for (const spec of specs) {
      if (!CLI_SECRET_PARAMS.has(spec.name)) continue;
      const key = spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const given = opts[key] ?? opts[spec.name];
      const taken = positional.includes(spec.name) && args.length > positional.indexOf(spec.name);
      if (taken) process.stderr.write(`warning: ${spec.name} as an argument is visible to other local users; use --${spec.flag}-file PATH or '-'\n`);
      const secret = await resolveSecret(spec.flag, given, opts[fileKey(key)], spec.required && !taken);
      delete opts[spec.name];
      if (secret !== undefined) opts[key] = secret;
      else delete opts[key];
    }
    if (method.name === 'select_wallet') throw new UsageError(SELECT_HINT);
    await readDocuments(specs.map((s) => s.name).filter((n) => DOCUMENT_PARAMS.has(n)), opts);
    const params = buildParams(method, specs, opts, args);
    // SPEC §9: the default wallet is --wallet, else WALLETD_WALLET (the daemon then falls back).
    const envWallet = process.env.WALLETD_WALLET;
    if (specs.some((sp) => sp.name === 'wallet') && params.wallet === undefined && envWallet) params.wallet = envWallet;
    if (needsConfirmation(method.name, { yes: opts.yes === true, stdinIsTTY: process.stdin.isTTY === true, params })) {
      await confirmOnTty(method.name, params);
    }
    const after = !follows || opts.wait === false ? undefined
      : method.name === 'rescan_wallet' ? (c: WalletdClient, r: unknown) => afterRescan(c, r, params)
      : afterImport;
    await run(method.name, params, after);
  });
}

/** Builds the commander program; `run` performs calls (tests may substitute it). */
export function buildProgram(methods: readonly CliMethod[], run: (globals: GlobalOptions) => RunCall): Command {
  const program = new Command('walletctl');
  program
    .description('Command-line client of walletd. Every RPC method is a subcommand; see `walletctl help <method>`.')
    .exitOverride()
    .option('--datadir <dir>', "walletd's data dir: its walletd.sock and admin.token (default ./data, or WALLETD_DATADIR)")
    .option('--url <url>', 'talk HTTP to this walletd URL instead of the unix socket')
    .option('--socket <path>', 'talk to this unix socket')
    .option('--token <token>', "bearer token (default: WALLETD_TOKEN, then <datadir>/admin.token); '-' reads stdin")
    .option('--token-file <path>', "read the bearer token from a file ('-' for stdin)")
    .option('--json', 'print the raw JSON result (errors as JSON on stderr)')
    .version(VERSION, '--version', 'print the version and exit');
  const runner: RunCall = (method, params, after) => run(program.opts<GlobalOptions>())(method, params, after);
  // subscribe/unsubscribe need a long-lived WebSocket; a one-shot CLI call could never use them.
  for (const method of methods) if (!method.websocketOnly) addMethodCommand(program, method, runner);
  addTokenCommands(program, methods, runner);
  addRestoreCommand(program, runner);
  addUiCommand(program);
  program
    .command('completion')
    .description('Print a shell completion script: source <(walletctl completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion: bash or zsh, got ${JSON.stringify(shell)}`);
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
  return program;
}

/**
 * SPEC §9's last default: with no --wallet and no WALLETD_WALLET, the only wallet the token
 * sees. Asked only after the daemon answered WALLET_NOT_SELECTED, which a handler raises
 * before it does anything, so the retry cannot repeat an effect.
 */
async function callWithDefaultWallet(client: WalletdClient, method: string, params: Record<string, unknown>): Promise<unknown> {
  const call = client.call as (m: string, p?: unknown) => Promise<unknown>;
  try {
    return await call(method, params);
  } catch (err) {
    if (!isWalletdRpcError(err, 'WALLET_NOT_SELECTED') || params.wallet !== undefined) throw err;
    const seen = (await call('list_wallets', {}).catch(() => null)) as Array<{ id: string }> | null;
    if (seen?.length !== 1) throw err;
    return call(method, { ...params, wallet: seen[0]!.id });
  }
}

/** The real runner: one client per invocation, output to stdout. */
function liveRun(globals: GlobalOptions): RunCall {
  return async (method, params, after) => {
    const { tokenFile, ...rest } = globals as GlobalOptions & { tokenFile?: string };
    const token = await resolveSecret('token', rest.token, tokenFile, false);
    const client: WalletdClient = clientOf(token === undefined ? rest : { ...rest, token });
    try {
      const result = await callWithDefaultWallet(client, method, params);
      // A BIP329 export prints as the JSON Lines file it is: `walletctl export_labels > labels.jsonl`.
      const human = method === 'export_labels' ? String((result as { labels: string }).labels).replace(/\n$/, '') : formatHuman(result);
      process.stdout.write(`${globals.json ? JSON.stringify(result, null, 2) : human}\n`);
      if (after) await after(client, result);
    } finally {
      await client.close();
    }
  };
}

/** Runs walletctl with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(METHOD_CATALOG, liveRun);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
    const { exit, report } = describeError(err);
    if (report.error === 'WALLET_NOT_SELECTED') report.hint = 'give --wallet ID|NAME or set WALLETD_WALLET';
    // --json may sit after the method name too; commander folds it into the globals either way.
    const json = program.opts<GlobalOptions>().json === true || argv.includes('--json');
    const hint = typeof report.hint === 'string' ? `\nhint: ${report.hint}` : '';
    process.stderr.write(`${json ? JSON.stringify(report) : `${humanReport(report)}${hint}`}\n`);
    return exit;
  }
}

// Flush stdout before exiting: a pipe (`walletctl ... | jq`) may still hold the result.
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
