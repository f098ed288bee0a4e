/**
 * BIP329 "Wallet Labels Export Format" (bitcoin/bips bip-0329.mediawiki): JSON Lines, one record
 * per line, `{type, ref, label?, origin?, spendable?}`. Parsing validates each line on its own,
 * so one bad line is reported with its reason and never spoils the others.
 */
import { address as baddress } from 'bitcoinjs-lib';
import { isWalletdError } from '../../errors.ts';
import { validateAddress } from '../keys/address-validation.ts';
import { toBitcoinjsNetwork } from '../keys/networks.ts';
import type { AddressType, Network } from '../types.ts';
import { LABEL_TYPES, type LabelRecord, type LabelType, type LabelWrite } from './label-store.ts';

/** Longest label kept, as the `Label` param schema; BIP329 suggests 255 and refusing beats truncating. */
export const MAX_LABEL_LENGTH = 256;

/** A line the import refused: its 1-based number and why. */
export interface RefusedLine {
  line: number;
  reason: string;
}

/** The records a document holds, and the lines that were refused. */
export interface ParsedLabels {
  records: LabelWrite[];
  refused: RefusedLine[];
}

/**
 * The wallet's BIP329 `origin`: an abbreviated descriptor with key origin and no key, e.g.
 * `wpkh([d34db33f/84'/0'/0'])`.
 */
export function walletOrigin(w: { addressType: AddressType; masterFingerprint: string }, network: Network): string {
  const fn = w.addressType === 'p2tr' ? 'tr' : 'wpkh';
  const purpose = w.addressType === 'p2tr' ? 86 : 84;
  return `${fn}([${w.masterFingerprint.toLowerCase()}/${purpose}'/${network.coinType}'/0'])`;
}

/** `h` and `'` both mark hardened steps (BIP380); hex case does not matter. */
const normalOrigin = (o: string) => o.trim().toLowerCase().replace(/h/g, "'").replace(/\s+/g, '');

/** Why `ref` is not a valid reference of `type`, or its canonical form. */
function canonicalRef(type: LabelType, ref: string, network: Network): { ref: string } | { reason: string } {
  switch (type) {
    case 'tx':
      return /^[0-9a-fA-F]{64}$/.test(ref) ? { ref: ref.toLowerCase() } : { reason: 'tx ref must be a txid (64 hex characters)' };
    case 'input':
    case 'output': {
      const m = /^([0-9a-fA-F]{64}):([0-9]{1,9})$/.exec(ref);
      return m ? { ref: `${m[1]!.toLowerCase()}:${Number(m[2])}` } : { reason: `${type} ref must be txid:index` };
    }
    case 'addr':
      try {
        // The canonical form (lower-case bech32) is what history shows, so labels match it.
        return { ref: baddress.fromOutputScript(validateAddress(ref, network).script, toBitcoinjsNetwork(network)) };
      } catch (err) {
        return { reason: isWalletdError(err, 'WRONG_NETWORK') ? 'address of another network' : 'invalid address' };
      }
    case 'pubkey':
      return /^(?:[0-9a-fA-F]{2}){32,33}$|^(?:[0-9a-fA-F]{2}){65}$/.test(ref) ? { ref: ref.toLowerCase() } : { reason: 'pubkey ref must be a 32, 33 or 65 byte public key in hex' };
    case 'xpub':
      // BIP329 defines no private key type: an extended private key is refused, and never echoed.
      if (/^[a-z]prv/i.test(ref)) return { reason: 'an extended private key is not a label reference' };
      return /^[a-z]pub[1-9A-HJ-NP-Za-km-z]{100,115}$/i.test(ref) ? { ref } : { reason: 'xpub ref must be a BIP32 extended public key' };
  }
}

function parseLine(text: string, network: Network, origin: string): LabelWrite | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const o = value as Record<string, unknown>;
  if (typeof o.type !== 'string') return 'type is missing';
  if (!(LABEL_TYPES as readonly string[]).includes(o.type)) return `unknown type ${JSON.stringify(o.type.slice(0, 16))}`;
  const type = o.type as LabelType;
  if (typeof o.ref !== 'string' || o.ref.length === 0) return 'ref is missing';
  if (o.ref.length > 200) return 'ref is too long';
  const ref = canonicalRef(type, o.ref, network);
  if ('reason' in ref) return ref.reason;
  const record: LabelWrite = { type, ref: ref.ref };
  if (o.label !== undefined) {
    if (typeof o.label !== 'string') return 'label must be a string';
    if (o.label.length > MAX_LABEL_LENGTH) return `label is longer than ${MAX_LABEL_LENGTH} characters`;
    if (/[\r\n]/.test(o.label)) return 'label spans lines (BIP329 forbids multiline values)';
    record.label = o.label;
  }
  if (o.origin !== undefined) {
    if (typeof o.origin !== 'string') return 'origin must be a string';
    // BIP329: origin tells apart the labels of different wallets in one export.
    if (normalOrigin(o.origin) !== normalOrigin(origin)) return `origin ${JSON.stringify(o.origin.slice(0, 80))} is not this wallet's (${origin})`;
    record.origin = o.origin;
  }
  if (o.spendable !== undefined) {
    if (type !== 'output') return 'spendable is only for output records';
    if (typeof o.spendable !== 'boolean') return 'spendable must be true or false';
    record.spendable = o.spendable;
  }
  return record;
}

/** Parses a BIP329 document; blank lines are skipped, every other line is a record or a refusal. */
export function parseLabels(document: string, network: Network, origin: string): ParsedLabels {
  const records: LabelWrite[] = [];
  const refused: RefusedLine[] = [];
  document.split('\n').forEach((raw, i) => {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') return;
    const parsed = parseLine(text, network, origin);
    if (typeof parsed === 'string') refused.push({ line: i + 1, reason: parsed });
    else records.push(parsed);
  });
  return { records, refused };
}

/** Formats records as BIP329 JSON Lines; transaction records carry the wallet's origin. */
export function formatLabels(records: readonly LabelRecord[], origin: string): string {
  return records
    .map((r) => {
      const line: Record<string, unknown> = { type: r.type, ref: r.ref };
      if (r.label !== null) line.label = r.label;
      const o = r.origin ?? (r.type === 'tx' ? origin : null);
      if (o) line.origin = o;
      if (r.type === 'output' && r.spendable !== null && r.spendable !== undefined) line.spendable = r.spendable;
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}
