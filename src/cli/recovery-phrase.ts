/**
 * `walletd recovery-phrase --wallet ID [--datadir DIR] [--config FILE]`: the offline operator
 * command that shows a wallet's BIP39 words so a person can write them on paper.
 *
 * It is not an RPC method on purpose (SPEC §1: keys never cross the API). It runs without the
 * daemon, needs the keystore key (WALLETD_KEYSTORE_PASSPHRASE / _FILE or keystore.key) and the
 * wallet passphrase (asked on the terminal, without echo), and prints only to a TTY: a terminal
 * is a person, a pipe may be a script or a log collector.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { KEYSTORE_FILE_NAME, LOCK_FILE_NAME, openKeystore } from '../keystore/index.ts';
import { isWalletdError } from '../errors.ts';
import { openSeed } from '../wallet/secrets/seed-vault.ts';
import { mnemonicFromSecret } from '../wallet/secrets/wallet-secret.ts';

/** Exit code for usage errors and refusals (SPEC §9: 2 on bad usage). */
const EXIT_USAGE = 2;

interface Flags {
  wallet: string;
  datadir?: string;
  config?: string;
}

/** Reads one line from the terminal without echoing it. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    if (!stdin.isTTY) {
      reject(new Error('the wallet passphrase must be typed on a terminal (stdin is not a TTY)'));
      return;
    }
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let input = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(input);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') input = input.slice(0, -1);
        else input += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function refuse(message: string, code = EXIT_USAGE): never {
  process.stderr.write(`walletd recovery-phrase: ${message}\n`);
  process.exit(code);
}

async function run(flags: Flags): Promise<void> {
  // First, before touching any secret: words on a pipe may end up in a file or a log.
  if (!process.stdout.isTTY) {
    refuse('refusing to print a recovery phrase to a pipe or file: run it in a terminal (stdout must be a TTY)');
  }
  let config;
  try {
    config = loadConfig({ configFile: flags.config, flags: { datadir: flags.datadir } });
  } catch (err) {
    refuse(err instanceof ConfigError ? err.message : String(err), 1);
  }
  const { datadir } = config;
  // openKeystore would create a new keystore (and key) in an empty dir; this command only reads.
  if (!existsSync(join(datadir, KEYSTORE_FILE_NAME))) refuse(`no keystore in ${datadir}`, 1);
  if (existsSync(join(datadir, LOCK_FILE_NAME))) {
    process.stderr.write('note: a walletd daemon may be running on this data dir; reading the keystore is safe.\n');
  }
  let keystore;
  try {
    keystore = await openKeystore({ datadir, passphrase: config.keystore.passphrase as string | undefined });
  } catch {
    refuse('cannot open the keystore: check WALLETD_KEYSTORE_PASSPHRASE (or _FILE) or keystore.key', 1);
  }
  try {
    const wallet = await keystore.wallets.getWallet(flags.wallet);
    if (!wallet) refuse(`no wallet ${flags.wallet}`, 1);
    if (wallet.sealedSeed === null) refuse(`wallet ${flags.wallet} is watch-only: it has no recovery phrase`, 1);
    let passphrase = '';
    if (wallet.hasPassphrase) {
      // No TTY on stdin is a usage error (exit 2) like a non-TTY stdout, not a crash with a stack.
      passphrase = await promptHidden(`Passphrase of wallet ${wallet.id}: `).catch((err: Error) =>
        refuse(err.message, process.stdin.isTTY ? 1 : EXIT_USAGE),
      );
    }
    let secret: Uint8Array;
    try {
      secret = await openSeed(wallet.sealedSeed, passphrase);
    } catch (err) {
      refuse(isWalletdError(err, 'BAD_PASSPHRASE') ? 'the wallet passphrase is incorrect' : 'cannot open the wallet secret', 1);
    }
    const { mnemonic, hasBip39Passphrase } = mnemonicFromSecret(secret);
    secret.fill(0);
    const words = mnemonic.split(' ');
    process.stdout.write(`Recovery phrase of wallet ${wallet.id} (${wallet.name}), ${words.length} words:\n\n`);
    words.forEach((word, i) => process.stdout.write(`${String(i + 1).padStart(2)}. ${word}\n`));
    process.stdout.write('\nWrite these words on paper, in order. Anyone who has them can spend this wallet.\n');
    if (hasBip39Passphrase) process.stdout.write('This wallet also uses a BIP39 passphrase (25th word); you need it too.\n');
  } finally {
    await keystore.close();
  }
}

/** Registers `recovery-phrase` on the walletd command. */
export function registerRecoveryPhrase(program: Command): void {
  program
    .command('recovery-phrase')
    .description('Offline: print a wallet\'s BIP39 recovery phrase to this terminal (never over the API)')
    .requiredOption('--wallet <id>', 'wallet id')
    .option('--datadir <dir>', 'data directory holding keystore.db')
    .option('--config <file>', 'JSON config file')
    // walletd's own --datadir/--config are defined on the parent too, and commander may hand them
    // to it; take them from either place.
    .action(async (flags: Flags, cmd: Command) => {
      const parent = cmd.parent?.opts<{ datadir?: string; config?: string }>() ?? {};
      await run({ ...flags, datadir: flags.datadir ?? parent.datadir, config: flags.config ?? parent.config });
    });
}
