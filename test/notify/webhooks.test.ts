/**
 * Webhooks against a real local HTTP server: the HMAC-SHA256 signature over the exact body,
 * retries with backoff until the server recovers, and the dead-letter log after the last failure.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../src/config/load-config.ts';
import type { Keystore } from '../../src/keystore/index.ts';
import { createNotifier } from '../../src/notify/create-notifier.ts';
import { DEAD_LETTER_FILE, WebhookSender } from '../../src/notify/webhooks.ts';
import type { WalletEvent } from '../../src/rpc/ports.ts';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';

interface Received {
  body: string;
  signature: string | undefined;
  path: string;
}

/** A server that answers 503 to the first `failFirst` POSTs on each path, then 204. */
function startServer(failFirst: number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ body, signature: req.headers['x-walletd-signature'] as string | undefined, path });
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      res.statusCode = n <= failFirst ? 503 : 204;
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }),
    ),
  );
}

const event = (seq: number): WalletEvent => ({ seq, type: 'tx', walletId: 'w1', at: 1_700_000_000_000, data: { txid: 'ab'.repeat(32) } });

let dir: string;
let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walletd-webhooks-'));
  srv = await startServer(2);
});
afterAll(async () => {
  await new Promise((r) => srv.server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function sender(path: string, maxAttempts: number, delays: number[], events?: WalletEvent['type'][]) {
  return new WebhookSender({
    targets: [{ url: `${srv.url}${path}`, secret: SECRET, events }],
    settings: { maxAttempts, retryBaseMs: 100, retryMaxMs: 250, timeoutMs: 2_000 },
    deadLetterPath: join(dir, DEAD_LETTER_FILE),
    clock: { now: () => 42 },
    // Record the backoff instead of waiting it out.
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
}

describe('webhooks', () => {
  it('signs the body with HMAC-SHA256 and retries with exponential backoff until delivered', async () => {
    const delays: number[] = [];
    const s = sender('/ok-third', 5, delays);
    s.deliver(event(7));
    await s.idle();
    const hits = srv.received.filter((r) => r.path === '/ok-third');
    expect(hits).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
    for (const hit of hits) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(hit.body).digest('hex')}`;
      expect(hit.signature).toBe(expected);
      expect(JSON.parse(hit.body)).toEqual({ seq: 7, type: 'tx', wallet: 'w1', at: 1_700_000_000_000, data: { txid: 'ab'.repeat(32) } });
    }
  });

  it('dead-letters an event after the last failed attempt, with capped delays', async () => {
    const delays: number[] = [];
    const s = sender('/always-down-ish', 2, delays);
    s.deliver(event(8));
    await s.idle();
    expect(srv.received.filter((r) => r.path === '/always-down-ish')).toHaveLength(2);
    expect(delays).toEqual([100]);
    const lines = (await readFile(join(dir, DEAD_LETTER_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { at: 42, url: `${srv.url}/always-down-ish`, attempts: 2, error: 'HTTP 503', event: { seq: 8, type: 'tx', wallet: 'w1', at: 1_700_000_000_000, data: { txid: 'ab'.repeat(32) } } },
    ]);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('skips event types a webhook did not ask for, and dead-letters an unreachable URL', async () => {
    const delays: number[] = [];
    const filtered = sender('/blocks-only', 3, delays, ['block']);
    filtered.deliver(event(9));
    await filtered.idle();
    expect(srv.received.filter((r) => r.path === '/blocks-only')).toHaveLength(0);

    const down = new WebhookSender({
      targets: [{ url: 'http://127.0.0.1:1/hook', secret: SECRET }],
      settings: { maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 150, timeoutMs: 1_000 },
      deadLetterPath: join(dir, 'down.jsonl'),
      clock: { now: () => 1 },
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    down.deliver(event(10));
    await down.idle();
    expect(delays).toEqual([100, 150]);
    const line = JSON.parse((await readFile(join(dir, 'down.jsonl'), 'utf8')).trim());
    expect(line).toMatchObject({ attempts: 3, event: { seq: 10 } });
  });

  it('stop() cuts a backoff wait and a hanging request short, dead-lettering both events', async () => {
    const hang = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/hang`;
    const path = join(dir, 'stopped.jsonl');
    let failed = 0;
    const s = new WebhookSender({
      onOutcome: (o) => {
        if (o === 'failed') failed++;
      },
      targets: [{ url: `${srv.url}/down-then-wait`, secret: SECRET, events: ['tx'] }, { url: hangUrl, secret: SECRET, events: ['block'] }],
      // Real timers: a minute of backoff and of request timeout, far beyond a 10 s shutdown.
      settings: { maxAttempts: 5, retryBaseMs: 60_000, retryMaxMs: 60_000, timeoutMs: 60_000 },
      deadLetterPath: path,
      clock: { now: () => 3 },
    });
    try {
      s.deliver(event(11));
      s.deliver({ ...event(12), type: 'block', walletId: null });
      // Wait until the sender has seen the first POST fail (it is now in its backoff); the server
      // having received it is not enough, as the 503 may still be on its way back.
      while (failed < 1) await new Promise((r) => setTimeout(r, 10));
      await s.stop();
      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { attempts: number; error: string; event: { seq: number } });
      expect(lines.map((l) => l.event.seq).sort()).toEqual([11, 12]);
      expect(lines.find((l) => l.event.seq === 11)).toMatchObject({ attempts: 1, error: 'HTTP 503' });
      expect(lines.find((l) => l.event.seq === 12)).toMatchObject({ attempts: 1, error: 'AbortError' });
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it('reads notify.webhooks from the environment and never shows its secrets in the redacted config', () => {
    const hooks = [{ url: 'https://hooks.example/walletd', secret: SECRET, events: ['tx'] }];
    const config = loadConfig({ env: { WALLETD_NOTIFY_WEBHOOKS: JSON.stringify(hooks) }, flags: { datadir: dir } });
    expect(config.notify.webhooks).toEqual(hooks);
    expect(config.notify.webhookMaxAttempts).toBe(5);
    expect(JSON.stringify(redactConfig(config))).not.toContain(SECRET);
    // A weak secret fails at start, naming the key but not echoing the value.
    const short = [{ url: 'https://hooks.example/walletd', secret: 'short-secret' }];
    const weak = loadConfig({ env: { WALLETD_NOTIFY_WEBHOOKS: JSON.stringify(short) }, flags: { datadir: dir } });
    const keystore = { db: {} as Keystore['db'], events: {} as Keystore['events'] };
    const attempt = () => createNotifier({ config: weak, keystore, clock: { now: () => 0 } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/notify\.webhooks\.0\.secret/);
    expect(attempt).not.toThrow(/short-secret/);
  });
});
