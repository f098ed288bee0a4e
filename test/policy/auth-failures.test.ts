/**
 * Issue 12, item 7 against a real daemon: a failed authentication is delayed per source (a
 * good caller is not held behind it), logged at warn with the token id and never the secret,
 * and counted in /metrics; concurrent wrong wallet passphrases get one verdict, the rest wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { ok, rpc, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();

describe('failed authentication against a real daemon', () => {
  let d: RunningDaemon;
  beforeAll(async () => {
    d = await startChainDaemon(ctx.node, undefined, { WALLETD_RPC_AUTH_FAILURE_DELAY_MS: '2000' });
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('holds a wrong token back while a right one is answered, logs its id at warn, and counts it', async () => {
    const wrongSecret = 'f'.repeat(64);
    const wrong = `wd_0123456789abcdef_${wrongSecret}`;
    let wrongDone = false;
    const pending = rpc(d, wrong, 'token_info').then((a) => {
      wrongDone = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 200));
    // Answered while the failure's penalty still holds the wrong one.
    expect((await rpc(d, d.adminToken, 'token_info')).error).toBeUndefined();
    expect(wrongDone).toBe(false);
    expect((await pending).error?.data?.code).toBe('UNAUTHORIZED');
    const line = d.logs.find((l) => l.msg === 'authentication failed');
    expect(line).toMatchObject({ level: 40, tokenId: '0123456789abcdef' });
    expect(JSON.stringify(d.logs)).not.toContain(wrongSecret);
    const res = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } });
    expect(await res.text()).toMatch(/^walletd_auth_failures_total 1$/m);
  });

  it('lets only one of several concurrent wrong passphrases reach a verdict', async () => {
    const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'locked', passphrase: 'the right passphrase' })).id;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => rpc(d, d.adminToken, 'unlock_wallet', { wallet, passphrase: `wrong guess ${i}`, timeoutSec: 60 })),
    );
    const codes = answers.map((a) => a.error?.data?.code).sort();
    expect(codes.filter((c) => c === 'BAD_PASSPHRASE')).toHaveLength(1);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(4);
  });
});
