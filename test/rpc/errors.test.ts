/** The error registry (SPEC §6): unique codes, the spec's list, bitcoind numbers, and documented in README. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, WalletdError } from '../../src/errors.ts';

const SPEC_CODES = [
  'UNAUTHORIZED', 'FORBIDDEN_SCOPE', 'TOKEN_EXPIRED', 'WALLET_NOT_FOUND', 'WALLET_NOT_SELECTED', 'WALLET_LOCKED',
  'BAD_PASSPHRASE', 'INSUFFICIENT_FUNDS', 'INVALID_ADDRESS', 'WRONG_NETWORK', 'SPEND_LIMIT', 'DESTINATION_NOT_ALLOWED',
  'FEE_TOO_HIGH', 'ALREADY_CONFIRMED', 'CHAIN_UNAVAILABLE', 'BROADCAST_REJECTED', 'RATE_LIMITED',
];
// SPEC §6: reuse bitcoind's number where the meaning is the same.
const BITCOIND = { WALLET_LOCKED: -13, BAD_PASSPHRASE: -14, INSUFFICIENT_FUNDS: -6, INVALID_ADDRESS: -5, BROADCAST_REJECTED: -26 };
const entries = Object.entries(ERRORS);

describe('ERRORS', () => {
  it('has unique numeric and string codes', () => {
    const numbers = entries.map(([, e]) => e.rpcCode);
    expect(new Set(numbers).size).toBe(numbers.length);
    const names = entries.map(([code]) => code.toUpperCase());
    expect(new Set(names).size).toBe(names.length);
    for (const [code] of entries) expect(code).toMatch(/^[A-Z][A-Z_]*$/);
  });

  it('holds every SPEC §6 code, with bitcoind numbers where SPEC says so and the server range otherwise', () => {
    for (const code of SPEC_CODES) expect(Object.keys(ERRORS)).toContain(code);
    for (const [code, n] of Object.entries(BITCOIND)) expect(ERRORS[code as keyof typeof ERRORS].rpcCode).toBe(n);
    for (const [code, e] of entries) {
      const ok = e.rpcCode > -100 || (e.rpcCode <= -32000 && e.rpcCode >= -32099) || [-32602, -32603].includes(e.rpcCode);
      expect(ok, code).toBe(true);
    }
  });

  it('every code is documented in README.md with its number', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes'));
    expect(section.startsWith('## Error codes')).toBe(true);
    for (const [code, e] of entries) {
      expect(section, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${e.rpcCode}\\s*\\|`));
    }
  });

  it('serializes to a JSON-RPC error with data.code and details', () => {
    const err = new WalletdError('SPEND_LIMIT', undefined, { max: 5 });
    expect(err.toJsonRpc()).toEqual({ code: -32005, message: ERRORS.SPEND_LIMIT.message, data: { code: 'SPEND_LIMIT', max: 5 } });
  });
});
