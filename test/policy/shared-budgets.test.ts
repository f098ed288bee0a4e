/**
 * Issue 12, shared budgets (SPEC §4) against a real daemon and node: a spend counts against the
 * token and every ancestor, over the rolling 24 h window that survives a restart, checked under
 * one lock for the whole family; `rateLimit` is shared the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { fundedDaemon } from './funded-daemon.ts';
import { errorCode, ok, rpc, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();
const SCOPES = ['wallet:read', 'wallet:send', 'tokens:admin'];

describe('family budgets against a real daemon', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  const mint = async (by: string, name: string, constraints: Record<string, unknown>) =>
    (await ok<{ token: string }>(d, by, 'token_create', { name, scopes: SCOPES, constraints })).token;
  const send = (token: string, amount: number) =>
    rpc(d, token, 'send_transaction', { wallet, outputs: [{ address: dest, amount }], feeRate: 1 });

  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'family'));
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('children share their parent’s maxSendPerDay instead of multiplying it, even when racing', async () => {
    const parent = await mint(d.adminToken, 'parent', { maxSendPerDay: 50_000 });
    const kids = await Promise.all([1, 2, 3].map((i) => mint(parent, `kid${i}`, { maxSendPerDay: 50_000 })));
    const grandkid = await mint(kids[0]!, 'grandkid', { maxSendPerDay: 50_000 });
    const answers = await Promise.all([...kids, grandkid].map((t) => send(t, 20_000)));
    const sent = answers.filter((a) => !a.error);
    expect(sent).toHaveLength(2);
    for (const a of answers.filter((x) => x.error)) expect(a.error?.data?.code).toBe('SPEND_LIMIT');
    // The parent itself has only the remainder left, and so after a restart.
    expect((await send(parent, 20_000)).error?.data?.code).toBe('SPEND_LIMIT');
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    d = await startChainDaemon(ctx.node, d.datadir);
    expect((await send(grandkid, 20_000)).error?.data?.code).toBe('SPEND_LIMIT');
    expect((await send(parent, 5_000)).error).toBeUndefined();
  });

  it('charges a child’s calls to its parent’s rateLimit', async () => {
    const parent = await mint(d.adminToken, 'limited', { rateLimit: 6 });
    const kid = await mint(parent, 'limited-kid', { rateLimit: 6 });
    for (let i = 0; i < 5; i++) expect(await errorCode(d, kid, 'token_info', {})).toBeUndefined();
    // 1 mint + 5 calls used the parent's six.
    expect(await errorCode(d, parent, 'token_info', {})).toBe('RATE_LIMITED');
    expect(await errorCode(d, kid, 'token_info', {})).toBe('RATE_LIMITED');
  });
});
