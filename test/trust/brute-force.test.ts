/**
 * Issue 16, point 6: token guessing and wallet-passphrase guessing are throttled against a real
 * daemon, and both show in /metrics. (test/policy/auth-failures.test.ts covers a good caller
 * not being held behind a guesser, and the one-verdict slot for concurrent wrong passphrases;
 * test/policy/passphrase-backoff.test.ts covers the backoff surviving a restart.)
 * The elapsed-time checks are lower bounds the throttle guarantees, not performance limits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess } from '../daemon/daemon-process.ts';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { readFileSync } from 'node:fs';
import { trustSize } from './trust-sizes.ts';

const PENALTY_MS = 100;
const TOKEN_GUESSES = trustSize('WALLETD_TRUST_TOKEN_GUESSES', 12);
const PASSPHRASE_ROUNDS = trustSize('WALLETD_TRUST_PASSPHRASE_ROUNDS', 2);

let d: RunningDaemon;
beforeAll(async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-brute-'));
  const p = await startDaemonProcess(datadir, [], { WALLETD_RPC_AUTH_FAILURE_DELAY_MS: String(PENALTY_MS) });
  d = Object.assign(p, { datadir, adminToken: readFileSync(join(datadir, 'admin.token'), 'utf8').trim() });
});
afterAll(async () => {
  d?.child.kill('SIGTERM');
  await d?.exited;
});

async function metrics(): Promise<string> {
  const res = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } });
  return res.text();
}

function counter(text: string, line: RegExp): number {
  const m = line.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('token guessing', () => {
  it('queues parallel wrong guesses one penalty apart, none succeeds, and each is counted', async () => {
    const before = counter(await metrics(), /^walletd_auth_failures_total (\d+)$/m);
    const started = Date.now();
    const guesses = Array.from({ length: TOKEN_GUESSES }, (_, i) => {
      const secret = (i.toString(16).padStart(2, '0') + 'a'.repeat(62)).slice(0, 64);
      // Half guess a plausible id with a wrong secret, half a token of the wrong shape.
      return i % 2 === 0 ? `wd_${'0123456789abcdef'}_${secret}` : `guess-${i}`;
    });
    const answers = await Promise.all(guesses.map((g) => rpc(d, g, 'list_wallets')));
    const elapsed = Date.now() - started;
    expect(answers.map((a) => a.error?.data?.code)).toEqual(guesses.map(() => 'UNAUTHORIZED'));
    // Parallel guessing gains nothing: the last answer waits behind every earlier penalty.
    expect(elapsed).toBeGreaterThanOrEqual((TOKEN_GUESSES - 1) * PENALTY_MS);
    const after = counter(await metrics(), /^walletd_auth_failures_total (\d+)$/m);
    expect(after - before).toBe(TOKEN_GUESSES);
    const logged = JSON.stringify(d.logs);
    for (const g of guesses) expect(logged).not.toContain(g.slice(-64));
  });
});

describe('wallet passphrase guessing', () => {
  it('backs off after each wrong guess, even for the right one, doubling, and shows in /metrics', async () => {
    const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'guarded', passphrase: 'the right passphrase' })).id;
    const unlock = (passphrase: string) => rpc(d, d.adminToken, 'unlock_wallet', { wallet, passphrase, timeoutSec: 5 });
    let expectedWait = 1_000;
    let bad = 0;
    let limited = 0;
    for (let round = 0; round < PASSPHRASE_ROUNDS; round += 1) {
      expect((await unlock(`wrong guess ${round}`)).error?.data?.code).toBe('BAD_PASSPHRASE');
      bad += 1;
      // Straight after a failure every guess is refused without being tried, the right one too.
      for (const guess of [`wrong again ${round}`, 'the right passphrase']) {
        const refused = (await unlock(guess)).error;
        expect(refused?.data?.code).toBe('RATE_LIMITED');
        expect(refused?.data?.retryAfterMs).toBeGreaterThan(expectedWait / 2);
        expect(refused?.data?.retryAfterMs).toBeLessThanOrEqual(expectedWait);
        limited += 1;
      }
      await new Promise((r) => setTimeout(r, expectedWait + 50));
      expectedWait *= 2;
    }
    expect((await unlock('the right passphrase')).error).toBeUndefined();
    const text = await metrics();
    expect(counter(text, /^walletd_rpc_requests_total\{method="unlock_wallet",outcome="BAD_PASSPHRASE"\} (\d+)$/m)).toBe(bad);
    expect(counter(text, /^walletd_rpc_requests_total\{method="unlock_wallet",outcome="RATE_LIMITED"\} (\d+)$/m)).toBe(limited);
    expect(JSON.stringify(d.logs)).not.toContain('the right passphrase');
  });
});
