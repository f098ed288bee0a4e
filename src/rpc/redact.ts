/**
 * Scrubs key material from text bound for a log line (SPEC §1: no log line contains a mnemonic,
 * xprv/tprv, WIF or token). pino's `redact` only sees field names; an error thrown deep in a
 * library can still carry a secret in its message (Node's JSON.parse quotes its input, for one),
 * so unexpected errors pass through here before they are logged.
 */
import { wordlists } from 'bip39';

const CENSOR = '[redacted]';
const B58 = '1-9A-HJ-NP-Za-km-z';
const BIP39_WORDS = new Set(wordlists.english);

const PATTERNS: readonly RegExp[] = [
  // BIP-32 extended private keys and their SLIP-132 variants.
  new RegExp(`[xtyzuvXYZUV]prv[${B58}]{20,}`, 'g'),
  // WIF private keys: 51 or 52 base58 characters, 5/K/L on mainnet, 9/c on test networks.
  new RegExp(`(?<![${B58}])[5KLc9][${B58}]{50,51}(?![${B58}])`, 'g'),
  // walletd tokens, `wd_<id>_<secret>` (SPEC §4).
  /wd_[0-9a-f]+_[0-9a-f]{64}/g,
  // BIP-174: a base64 PSBT starts with the magic "psbt\xff".
  /cHNidP8[A-Za-z0-9+/=]*/g,
  // Long base64 runs: encrypted bundles and other opaque blobs.
  /[A-Za-z0-9+/]{120,}={0,2}/g,
];

/** Param names whose string values are secrets (or carry them) and must never be echoed in a log. */
export const SECRET_PARAM_NAMES = [
  'passphrase', 'old', 'new', 'oldPassphrase', 'newPassphrase', 'mnemonic', 'bip39Passphrase', 'walletPassphrase', 'bundle', 'psbt', 'token',
  'seed', 'xprv', 'descriptor',
] as const;

/** The secret string values of a params object (see SECRET_PARAM_NAMES), for `scrubSecrets`. */
export function secretValuesOf(params: unknown): string[] {
  if (typeof params !== 'object' || params === null) return [];
  const record = params as Record<string, unknown>;
  return SECRET_PARAM_NAMES.map((k) => record[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** Replaces runs of 12 or more BIP39 words (a mnemonic) with the censor. */
function scrubMnemonics(text: string): string {
  return text.replace(/[a-z]+(?:[\s,]+[a-z]+){11,}/g, (run) => {
    let streak = 0;
    for (const word of run.split(/[\s,]+/)) {
      streak = BIP39_WORDS.has(word) ? streak + 1 : 0;
      if (streak >= 12) return CENSOR;
    }
    return run;
  });
}

/** `text` with key material, tokens, PSBTs, bundles and the given `known` secret values censored. */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is censored whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(CENSOR);
  for (const pattern of PATTERNS) out = out.replace(pattern, CENSOR);
  return scrubMnemonics(out);
}

/** A loggable view of an unexpected error: its name, code, message and stack, each scrubbed. */
export function safeError(err: unknown, known: readonly string[] = []): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubSecrets(String(err), known) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: scrubSecrets(err.message, known),
    ...(err.stack ? { stack: scrubSecrets(err.stack, known) } : {}),
  };
}
