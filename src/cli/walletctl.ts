/**
 * walletctl: the command-line client (SPEC §9). Every method of the table is a subcommand whose
 * flags come from its param schema; `--json` prints the raw result. Exit codes: 0 success,
 * 1 RPC error (its `data.code` on stderr), 2 bad usage.
 */
import { Command, CommanderError, Option } from 'commander';
import { isWalletdRpcError, type WalletdClient } from '../client/index.ts';
import type { CliMethod } from './cli-method.ts';
// The table without handlers: loading the real one would load the daemon (issue 14).
import { METHOD_CATALOG } from './generated/method-catalog.ts';
import { clientOf, type GlobalOptions } from './walletctl-connect.ts';
import { formatHuman } from './walletctl-output.ts';
import { paramSpecs, parseValue, UsageError, type ParamSpec } from './walletctl-schema.ts';
import { CLI_SECRET_PARAMS, fileKey, resolveSecret } from './walletctl-secrets.ts';
import { addRestoreCommand, addTokenCommands, afterImport, type RunCall } from './walletctl-sugar.ts';

/** Exit codes of SPEC §9. */
export const EXIT = { ok: 0, rpcError: 1, usage: 2 } as const;

function paramsHelp(specs: ParamSpec[]): string {
  if (specs.length === 0) return '\nParams: none\n';
  const rows = specs.map((s) => [`--${s.flag}`, s.type, s.required ? 'required' : 'optional', s.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd());
  return `\nParams (from the method's schema):\n  ${lines.join('\n  ')}\n`;
}

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
  // Sugar for one recipient: --to ADDR --amount SATS.
  if (opts.to !== undefined || opts.amount !== undefined) {
    if ('outputs' in params) throw new UsageError('give either --outputs or --to/--amount');
    if (opts.to === undefined || opts.amount === undefined) throw new UsageError('--to and --amount go together');
    const amount = Number(opts.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new UsageError(`--amount must be a positive integer of sats, got ${JSON.stringify(opts.amount)}`);
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
  for (const spec of specs) {
    const arg = (spec.schema as { type?: string }).type === 'boolean' ? '[bool]' : '<value>';
    const desc = `${spec.type}${spec.required ? ', required' : ''}${spec.description ? `: ${spec.description}` : ''}`;
    cmd.addOption(new Option(`--${spec.flag} ${arg}`, desc));
    // The wire name works too (`--feeRate`), so copying a param from the API docs just works.
    if (spec.flag !== spec.name) cmd.addOption(new Option(`--${spec.name} ${arg}`).hideHelp());
    if (CLI_SECRET_PARAMS.has(spec.name)) cmd.addOption(new Option(`--${spec.flag}-file <path>`, `read ${spec.flag} from a file ('-' for stdin)`));
  }
  // Old param names (`--new`, `--old` of set_passphrase) keep working, file variants included.
  for (const alias of Object.keys(method.aliases ?? {})) {
    cmd.addOption(new Option(`--${alias} <value>`).hideHelp()).addOption(new Option(`--${alias}-file <path>`).hideHelp());
  }
  if (specs.some((s) => s.name === 'outputs')) {
    cmd.option('--to <address>', 'single recipient (sugar for --outputs)').option('--amount <sats>', 'amount for --to, in sats');
  }
  const positional = method.positional ?? [];
  if (positional.length > 0) cmd.argument('[args...]', `positional params in order: ${positional.join(', ')}`);
  cmd.addHelpText('after', paramsHelp(specs));
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
    const params = buildParams(method, specs, opts, args);
    await run(method.name, params, method.name === 'import_wallet' ? afterImport : undefined);
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
    .option('--json', 'print the raw JSON result');
  const runner: RunCall = (method, params, after) => run(program.opts<GlobalOptions>())(method, params, after);
  // subscribe/unsubscribe need a long-lived WebSocket; a one-shot CLI call could never use them.
  for (const method of methods) if (!method.websocketOnly) addMethodCommand(program, method, runner);
  addTokenCommands(program, methods, runner);
  addRestoreCommand(program, runner);
  return program;
}

/** The real runner: one client per invocation, output to stdout. */
function liveRun(globals: GlobalOptions): RunCall {
  return async (method, params, after) => {
    const { tokenFile, ...rest } = globals as GlobalOptions & { tokenFile?: string };
    const token = await resolveSecret('token', rest.token, tokenFile, false);
    const client: WalletdClient = clientOf(token === undefined ? rest : { ...rest, token });
    try {
      const call = client.call as (m: string, p?: unknown) => Promise<unknown>;
      const result = await call(method, params);
      process.stdout.write(`${globals.json ? JSON.stringify(result, null, 2) : formatHuman(result)}\n`);
      if (after) await after(client, result);
    } finally {
      await client.close();
    }
  };
}

/** Runs walletctl with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram(METHOD_CATALOG, liveRun).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (isWalletdRpcError(err)) {
      process.stderr.write(`error: ${err.data.code ?? 'RPC_ERROR'} (${err.code}): ${err.message}\n`);
      return EXIT.rpcError;
    }
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`error: cannot reach walletd${code ? ` (${code})` : ''}: ${(err as Error).message}\n`);
    return EXIT.rpcError;
  }
}

// Flush stdout before exiting: a pipe (`walletctl ... | jq`) may still hold the result.
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
