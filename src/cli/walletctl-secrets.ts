/**
 * Secrets never need the command line (SPEC §9): every secret param and the token take
 * `--NAME-file PATH`, or `-` to read stdin, and prompt without echo on a TTY when required and
 * missing. A secret given on argv still works, with a warning: other local users can read argv
 * in /proc/<pid>/cmdline.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from './walletctl-schema.ts';

/** Param names walletctl treats as secrets (a subset of the log redaction list: no PSBTs). */
export const CLI_SECRET_PARAMS = new Set(['passphrase', 'old', 'new', 'oldPassphrase', 'newPassphrase', 'mnemonic', 'bip39Passphrase', 'walletPassphrase', 'bundle']);

/** `fooBar` → the commander key of `--foo-bar-file`. */
export const fileKey = (name: string) => `${name}File`;

let stdinTaken = false;

/** All of stdin, once per process (two secrets cannot both come from `-`). */
async function readStdin(what: string): Promise<string> {
  if (stdinTaken) throw new UsageError(`${what}: stdin was already read for another secret`);
  stdinTaken = true;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A file's text, or stdin for `-`, without the final newline. */
async function readSecretSource(path: string, what: string): Promise<string> {
  const text = path === '-' ? await readStdin(what) : await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${what}: cannot read ${path} (${err.code ?? err.message})`);
  });
  return text.replace(/\r?\n$/, '');
}

/** Reads one line from the TTY without echoing it. */
export async function promptHidden(label: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(`${label}: `);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of (chunk as Buffer).toString('utf8')) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('cancelled');
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/**
 * Resolves one secret from its flags: `--NAME-file`, `--NAME -` (stdin), `--NAME value` (with a
 * warning), or a hidden prompt when `required` and stdin is a TTY. Undefined when none applies.
 */
export async function resolveSecret(
  flag: string, value: unknown, file: unknown, required: boolean, warn: (line: string) => void = (l) => process.stderr.write(l),
): Promise<string | undefined> {
  if (typeof file === 'string') {
    if (value !== undefined) throw new UsageError(`give --${flag} or --${flag}-file, not both`);
    return readSecretSource(file, `--${flag}-file`);
  }
  if (value === '-') return readSecretSource('-', `--${flag}`);
  if (typeof value === 'string') {
    warn(`warning: --${flag} on the command line is visible to other local users; use --${flag}-file PATH, '-' for stdin, or the prompt\n`);
    return value;
  }
  if (required && process.stdin.isTTY) return promptHidden(flag);
  return undefined;
}
