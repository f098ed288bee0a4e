/**
 * walletctl's hand-written conveniences over generated methods: `token create|list|revoke`,
 * `restore --bundle FILE`, and the rescan progress line after an import (SPEC §9, issue 6).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { CliMethod } from './cli-method.ts';
import { isWalletdRpcError, type WalletdClient } from '../client/index.ts';
import { paramSpecs, parseValue, UsageError } from './walletctl-schema.ts';

/** Runs one RPC for a subcommand and prints its result; `after` sees the result (progress). */
export type RunCall = (
  method: string,
  params: Record<string, unknown>,
  after?: (client: WalletdClient, result: unknown) => Promise<void>,
) => Promise<void>;

const POLL_MS = 500;
const PROGRESS_TIMEOUT_MS = 30 * 60_000;

/**
 * Prints `rescan: 45% (height 120/260)` to stderr (stdout stays clean for `--json`) each time the
 * wallet's sync moves, until it is synced. Offline or unreachable chains end it at once.
 */
export async function showRescanProgress(
  client: WalletdClient,
  walletId: string,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<void> {
  const deadline = Date.now() + PROGRESS_TIMEOUT_MS;
  let last = '';
  for (;;) {
    const { sync } = await client.getWalletInfo({ wallet: walletId });
    if (sync.state === 'offline' || sync.state === 'unavailable') return;
    const pct = Math.floor((sync.state === 'synced' ? 1 : sync.progress) * 100);
    const line = `rescan: ${pct}% (height ${sync.syncHeight ?? 0}/${sync.tipHeight ?? '?'})`;
    if (line !== last) write(line);
    last = line;
    if (sync.state === 'synced' || Date.now() > deadline) return;
    await sleep(POLL_MS);
  }
}

/**
 * The `after` hook of import_wallet and restore: progress for every wallet the import added.
 * The import has succeeded by now, so a failing progress poll (a token without `wallet:read`, a
 * dropped connection) is a note on stderr, never exit 1: a script would retry and hit WALLET_EXISTS.
 */
export async function afterImport(client: WalletdClient, result: unknown): Promise<void> {
  const r = result as { id?: string; wallets?: Array<{ id: string }> };
  const ids = r.wallets?.map((w) => w.id) ?? (r.id ? [r.id] : []);
  try {
    for (const id of ids) await showRescanProgress(client, id);
  } catch (err) {
    const code = isWalletdRpcError(err) ? (err.data.code ?? err.code) : ((err as NodeJS.ErrnoException).code ?? 'error');
    process.stderr.write(`note: imported; cannot show rescan progress (${code}); see get_wallet_info\n`);
  }
}

/** Adds `token create|list|revoke`, mapped onto token_create, token_list and token_revoke. */
export function addTokenCommands(program: Command, methods: readonly CliMethod[], run: RunCall): void {
  const create = methods.find((m) => m.name === 'token_create');
  const constraintSpecs = create
    ? paramSpecs(paramSpecs(create.params).find((p) => p.name === 'constraints')?.schema ?? create.params).filter(
        (p) => p.name !== 'name' && p.name !== 'scopes',
      )
    : [];
  const token = program.command('token').description('Create, list and revoke API tokens');

  const createCmd = token
    .command('create')
    .description('Create a token (shown once) whose scopes and limits are a subset of yours')
    .requiredOption('--scopes <list>', 'comma-separated scopes, e.g. wallet:read,wallet:receive')
    .option('--name <name>', 'a label for the token', 'walletctl');
  // Constraint flags come from the table's TokenConstraints schema, so a new limit appears here by itself.
  for (const spec of constraintSpecs) createCmd.option(`--${spec.flag} <value>`, `${spec.type}: constraint ${spec.name}`);
  createCmd.action(async (opts: Record<string, string>) => {
    const constraints: Record<string, unknown> = {};
    for (const spec of constraintSpecs) {
      const raw = opts[spec.name];
      if (raw !== undefined) constraints[spec.name] = parseValue(spec.schema, raw, `--${spec.flag}`);
    }
    const scopes = opts.scopes!.split(',').map((s) => s.trim()).filter(Boolean);
    await run('token_create', { name: opts.name, scopes, ...(Object.keys(constraints).length ? { constraints } : {}) }, async () => {
      process.stderr.write('note: the token is shown only once; store it now\n');
    });
  });

  token.command('list').description('List tokens (never their secrets)').action(async () => run('token_list', {}));
  token
    .command('revoke')
    .description('Revoke a token by id')
    .argument('<id>', 'token id (the part between wd_ and the second underscore)')
    .action(async (id: string) => run('token_revoke', { id }));
}

/** Reads a passphrase without echoing it (a TTY prompt on stderr). */
async function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

function readSecretFile(path: string, what: string): string {
  try {
    // Strip one trailing newline only: editors add it, but inner whitespace may be part of the secret.
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Adds `restore --bundle FILE [--passphrase-file F]` → import_wallet {bundle, passphrase}. */
export function addRestoreCommand(program: Command, run: RunCall): void {
  program
    .command('restore')
    .description('Restore wallets from an encrypted bundle file (import_wallet), then show the rescan')
    .requiredOption('--bundle <file>', 'bundle file written by export_wallet or backup_wallet')
    .option('--passphrase-file <file>', 'file holding the bundle passphrase (prompted on a TTY otherwise)')
    .action(async (opts: { bundle: string; passphraseFile?: string }) => {
      const bundle = readSecretFile(opts.bundle, 'bundle file').trim();
      let passphrase: string;
      if (opts.passphraseFile !== undefined) passphrase = readSecretFile(opts.passphraseFile, 'passphrase file');
      else if (process.stdin.isTTY) passphrase = await promptHidden('Bundle passphrase: ');
      else throw new UsageError('no TTY to prompt on: give --passphrase-file');
      await run('import_wallet', { bundle, passphrase }, afterImport);
    });
}
