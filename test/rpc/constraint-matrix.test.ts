/**
 * Issue 12's generated matrix: every spend constraint of the token schema × every spending path
 * (send_transaction, sign_transaction draft, sign_transaction PSBT, cancel_transaction) × the
 * family member that holds the constraint (parent, child, grandchild), the grandchild spending.
 * Budgets are summed across the family: the child's spend and the grandchild's share one window.
 * In-process dispatcher over the fake wallet (send fee 141, draft fee 200 over 82 vB, cancel fee 200).
 */
import { describe, expect, it } from 'vitest';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { TokenConstraintsSchema } from '../../src/rpc/schemas.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';
import { fakeServices, makeToken, session } from './fakes.ts';
import type { CallerToken } from '../../src/rpc/context.ts';

const DEST = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const OTHER = 'bcrt1qother';
const AMOUNT = 1000;
/** What one call of each path takes out of the wallet with the fake (amount plus fee). */
const COST = { send: AMOUNT + 141, draft: AMOUNT + 200, psbt: 0, cancel: 200 } as const;
type Path = keyof typeof COST;
const PATHS = Object.keys(COST) as Path[];
const LEVELS = ['parent', 'child', 'grandchild'] as const;

/** Constraints that are not about spending, with the test that covers them. */
const NOT_SPEND: Record<string, string> = {
  expiresAt: 'test/rpc/tokens.test.ts',
  rateLimit: 'test/policy/shared-budgets.test.ts',
  wallets: 'test/rpc/dispatcher.test.ts (wallet binding)',
};

/** Per constraint: its value, a call that must pass, and one that must be refused (with code). */
const CASES: Record<string, { value: (path: Path) => unknown; over: { dest?: string; code: string } | 'budget' }> = {
  maxSendPerTx: { value: (p) => COST[p] - 1 + (p === 'psbt' ? 1 : 0), over: { code: 'SPEND_LIMIT' } },
  maxSendPerDay: { value: (p) => Math.floor(COST[p] * 2.5) + 1, over: 'budget' },
  allowedDestinations: { value: () => [DEST], over: { dest: OTHER, code: 'DESTINATION_NOT_ALLOWED' } },
  // The fake pays 1 sat/vB on send, about 2.4 on a draft, 2 on a cancel.
  maxFeeRate: { value: (p) => (p === 'send' ? 0.5 : 1.5), over: { code: 'FEE_TOO_HIGH' } },
};

async function family(constraint: string, value: unknown, level: (typeof LEVELS)[number]) {
  const f = fakeServices();
  const dispatcher = new RpcDispatcher(METHODS, f.services);
  const root = await makeToken(f.stores, [...SCOPES]);
  const call = async (caller: CallerToken, method: string, params: unknown) => {
    const s = session(await dispatcher.authenticate(`Bearer ${tokens.get(caller.id)}`));
    return (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as {
      result?: Record<string, unknown>; error?: { data: { code: string; limit?: string } };
    };
  };
  const tokens = new Map([[root.caller.id, root.token]]);
  const members: CallerToken[] = [];
  let by = root.caller;
  for (const l of LEVELS) {
    const constraints = { wallets: ['w1'], ...(l === level ? { [constraint]: value } : {}) };
    const made = await call(by, 'token_create', { name: l, scopes: ['wallet:send', 'wallet:sign', 'tokens:admin'], constraints });
    if (!made.result) throw new Error(`token_create ${l}: ${made.error?.data.code}`);
    const caller = await dispatcher.authenticate(`Bearer ${made.result.token as string}`);
    tokens.set(caller.id, made.result.token as string);
    members.push(caller);
    by = caller;
  }
  return { f, call, members: members as [CallerToken, CallerToken, CallerToken] };
}

function paramsFor(path: Path, dest: string, txid?: string): [string, unknown] {
  const outputs = [{ address: dest, amount: AMOUNT }];
  if (path === 'send') return ['send_transaction', { outputs, feeRate: 1 }];
  if (path === 'draft') return ['sign_transaction', { outputs, feeRate: 1 }];
  if (path === 'psbt') return ['sign_transaction', { psbt: 'cHNidP8=' }];
  return ['cancel_transaction', { txid: txid!, feeRate: 2 }];
}

describe('constraint × spending path × family matrix', () => {
  it('covers every constraint the token schema declares', () => {
    const keys = Object.keys(TokenConstraintsSchema.properties);
    for (const k of keys) expect(k in CASES || k in NOT_SPEND, k).toBe(true);
  });

  for (const [constraint, spec] of Object.entries(CASES)) {
    for (const path of PATHS) {
      for (const level of LEVELS) {
        it(`${constraint} on the ${level}, ${path}`, async () => {
          const { f, call, members } = await family(constraint, spec.value(path), level);
          const [parent, child, grandchild] = members;
          const holder = members[LEVELS.indexOf(level)]!;
          // Cancel needs a transaction the grandchild's lineage sent: the ledger says who sent what.
          let n = 0;
          const own = async () => {
            const txid = (++n).toString(16).padStart(64, 'e');
            // As chargeSpend records a send: against the sender and each ancestor.
            for (const m of [grandchild, child, parent]) await f.stores.recordSpend(m.id, 'w1', txid, 0n, f.clock.now());
            return txid;
          };
          if (path === 'psbt') {
            // A constrained lineage cannot sign foreign PSBTs: their change cannot be told apart.
            const r = await call(grandchild, ...paramsFor(path, DEST));
            expect(r.error?.data).toMatchObject({ code: 'SPEND_LIMIT', limit: 'psbt' });
            return;
          }
          if (spec.over === 'budget') {
            // The grandchild and its parent (the child) share the holder's window, if below it.
            const first = level === 'grandchild' ? grandchild : child;
            const txidA = path === 'cancel' ? await own() : undefined;
            const spentBefore = await f.stores.spentSince(holder.id, 0);
            expect((await call(first, ...paramsFor(path, DEST, txidA))).error).toBeUndefined();
            const txidB = path === 'cancel' ? await own() : undefined;
            expect((await call(grandchild, ...paramsFor(path, DEST, txidB))).error).toBeUndefined();
            const spent = (await f.stores.spentSince(holder.id, 0)) - spentBefore;
            expect(spent).toBeGreaterThanOrEqual(BigInt(2 * COST[path]));
            const txidC = path === 'cancel' ? await own() : undefined;
            expect((await call(grandchild, ...paramsFor(path, DEST, txidC))).error?.data.code).toBe('SPEND_LIMIT');
            // Every ancestor of the grandchild was charged too.
            for (const m of [parent, child, grandchild]) expect(await f.stores.spentSince(m.id, 0)).toBeGreaterThan(0n);
            return;
          }
          const txid = path === 'cancel' ? await own() : undefined;
          const refused = await call(grandchild, ...paramsFor(path, spec.over.dest ?? DEST, txid));
          if (path === 'cancel' && constraint === 'allowedDestinations') {
            // A cancel pays the wallet itself: no destination to refuse, ownership is what counts.
            expect(refused.error).toBeUndefined();
            const foreign = await call(grandchild, 'cancel_transaction', { txid: 'cd'.repeat(32) });
            expect(foreign.error?.data.code).toBe('FORBIDDEN_SCOPE');
            return;
          }
          expect(refused.error?.data.code).toBe(spec.over.code);
          // Above the holder nothing is limited by it.
          if (level !== 'parent') {
            const above = members[LEVELS.indexOf(level) - 1]!;
            const t = path === 'cancel' ? await own() : undefined;
            const free = await call(above, ...paramsFor(path, spec.over.dest ?? DEST, t));
            expect(free.error?.data.code).not.toBe(spec.over.code);
          }
        });
      }
    }
  }
});
