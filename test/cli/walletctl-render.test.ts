/**
 * Unit tests of walletctl's generated texts and decisions: per-method help (each param once,
 * with units and an example), strict sats and BTC parsing, the confirmation decision, and the
 * README's exit-code table, which must match the one rendered from the error registry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBtc, parseSats, parseStrictInteger } from '../../src/cli/walletctl-amounts.ts';
import { confirmationText, needsConfirmation } from '../../src/cli/walletctl-confirm.ts';
import { classOf, describeError, EXIT_CLASSES, renderExitTable } from '../../src/cli/walletctl-exit.ts';
import { exampleOf, methodHelp } from '../../src/cli/walletctl-help.ts';
import { paramSpecs, UsageError } from '../../src/cli/walletctl-schema.ts';
import { WalletdRpcError } from '../../src/client/index.ts';
import { ERRORS } from '../../src/errors.ts';
import { METHODS } from '../../src/rpc/method-table.ts';

const method = (name: string) => METHODS.find((m) => m.name === name)!;

describe('per-method help', () => {
  it('lists each param once, with its unit, and ends with an example', () => {
    const send = method('send_transaction');
    const help = methodHelp(send, paramSpecs(send.params), []);
    for (const spec of paramSpecs(send.params)) {
      expect(help.match(new RegExp(`^  --${spec.flag}\\s`, 'gm'))?.length, spec.flag).toBe(1);
    }
    expect(help).toMatch(/^\s+--fee-rate\s+number\s+sat\/vB\s+optional/m);
    expect(help).toMatch(/^\s+--outputs\s+array<\{address, amount\}>\s+amount in sats\s+required/m);
    expect(help).toMatch(/Example:\n\s+walletctl send_transaction --to \S+ --amount 10000/);
    const unlock = method('unlock_wallet');
    expect(methodHelp(unlock, paramSpecs(unlock.params), [])).toMatch(/^\s+--timeout-sec\s+integer\s+seconds\s+required/m);
  });

  it('gives every method an example that names it and its required params', () => {
    for (const m of METHODS) {
      const specs = paramSpecs(m.params);
      const example = exampleOf(m, specs);
      expect(example.startsWith(`walletctl ${m.name}`), m.name).toBe(true);
      // A hand-written example may use positional args or --to/--amount sugar instead.
      if (example.split(' ').length === 2) expect(specs.filter((s) => s.required), m.name).toEqual([]);
    }
  });
});

describe('strict amounts', () => {
  it.each(['0x2710', '1e4', ' 10000', '10000 ', '10000.0', '+10000', '-10000', '1_000', '', '010000', '9007199254740992'])(
    '--amount %j is bad usage', (raw) => {
      expect(() => parseSats(raw, '--amount')).toThrow(UsageError);
    },
  );

  it('takes plain decimal sats, and negatives only where the schema allows them', () => {
    expect(parseSats('10000', '--amount')).toBe(10_000);
    expect(() => parseSats('0', '--amount')).toThrow(UsageError);
    expect(parseStrictInteger('-5', '--n', -10)).toBe(-5);
    expect(parseStrictInteger('-5', '--n')).toBe(-5);
    expect(() => parseStrictInteger('-5', '--min-conf', 0)).toThrow(/negative/);
  });

  it.each([['0.0001', 10_000], ['1', 100_000_000], ['0.00000001', 1], ['21000000', 2_100_000_000_000_000], ['1.5', 150_000_000]])(
    '--amount-btc %s is %d sats, without floats', (raw, sats) => {
      expect(parseBtc(raw, '--amount-btc')).toBe(sats);
    },
  );

  it.each(['0.000000001', '1e-4', '.5', '1.', '0', '0.00000000', '-1', '0x1', '1,5', ' 1'])('--amount-btc %j is bad usage', (raw) => {
    expect(() => parseBtc(raw, '--amount-btc')).toThrow(UsageError);
  });
});

describe('confirmation', () => {
  it('asks only for money-moving methods on a TTY, without --yes, outside a dry run', () => {
    const base = { yes: false, stdinIsTTY: true, params: {} };
    for (const m of ['send_transaction', 'send_all', 'bump_fee', 'cancel_transaction']) expect(needsConfirmation(m, base), m).toBe(true);
    expect(needsConfirmation('get_balance', base)).toBe(false);
    expect(needsConfirmation('send_transaction', { ...base, yes: true })).toBe(false);
    expect(needsConfirmation('send_transaction', { ...base, stdinIsTTY: false })).toBe(false);
    expect(needsConfirmation('send_transaction', { ...base, params: { dryRun: true } })).toBe(false);
    expect(confirmationText('send_transaction', { outputs: [{ address: 'bcrt1q', amount: 5 }] })).toContain('"amount":5');
  });
});

describe('exit codes', () => {
  it('give each class its own code, each registry code one class, and 0 and 2 their fixed meaning', () => {
    const exits = EXIT_CLASSES.map((c) => c.exit);
    expect(new Set(exits).size).toBe(exits.length);
    const listed = EXIT_CLASSES.flatMap((c) => c.codes);
    expect(new Set(listed).size).toBe(listed.length);
    expect(EXIT_CLASSES.find((c) => c.exit === 0)!.name).toBe('ok');
    expect(EXIT_CLASSES.find((c) => c.exit === 2)!.name).toBe('usage');
    // bitcoin-cli's numbers where Bitcoin Core has the same meaning.
    expect([classOf('INSUFFICIENT_FUNDS').exit, classOf('WALLET_NOT_FOUND').exit, classOf('WALLET_LOCKED').exit]).toEqual([6, 18, 13]);
    expect(classOf('SOMETHING_NEW').name).toBe('other');
  });

  it('map a daemon error, a usage error and an unreachable daemon', () => {
    const rpc = new WalletdRpcError('get_balance', { code: -6, message: 'Insufficient funds', data: { code: 'INSUFFICIENT_FUNDS', need: 5 } });
    expect(describeError(rpc)).toEqual({
      exit: 6,
      report: { error: 'INSUFFICIENT_FUNDS', code: -6, message: 'Insufficient funds', data: { code: 'INSUFFICIENT_FUNDS', need: 5 } },
    });
    expect(describeError(new UsageError('bad')).exit).toBe(2);
    expect(describeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).exit).toBe(3);
    expect(describeError(new WalletdRpcError('x', { code: -32601, message: 'Method not found' })).exit).toBe(8);
  });

  it("README's table is the one rendered from src/errors.ts (paste the expected block on a diff)", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- exit-codes:start[^>]*-->\n([\s\S]*?)\n<!-- exit-codes:end -->/.exec(readme)?.[1];
    expect(block).toBe(renderExitTable(ERRORS));
    for (const code of Object.keys(ERRORS)) expect(block).toContain(`\`${code}\``);
  });
});
