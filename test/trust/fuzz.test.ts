/**
 * Issue 16, point 1: fast-check requests across every method of the table, over HTTP, the unix
 * socket and a WebSocket, against one real daemon. Every answer is a well-formed JSON-RPC reply
 * (or an HTTP 4xx with a JSON-RPC body) without a stack trace; rejected calls change no state;
 * the daemon's RSS ends within 20% of where it started. Size: WALLETD_TRUST_FUZZ_REQUESTS.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODS } from '../../src/rpc/method-table.ts';
import { startDaemonProcess } from '../daemon/daemon-process.ts';
import { ok, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { FuzzSocket, postRaw, type RawAnswer } from './fuzz-transport.ts';
import { fuzzCases, type FuzzCase } from './fuzz-requests.ts';
import { trustSize } from './trust-sizes.ts';

const REQUESTS = trustSize('WALLETD_TRUST_FUZZ_REQUESTS', 1_500);
const MAX_BODY = 256 * 1024;
const PROTOCOL_FAULTS = new Set([-32700, -32600, -32601]);
const STACK = /\n\s+at |\bat [\w.<>]+ \(|node:internal|\.ts:\d+:\d+|\.js:\d+:\d+/;

let d: RunningDaemon;
beforeAll(async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-fuzz-'));
  const p = await startDaemonProcess(datadir, [], {
    WALLETD_RPC_MAX_BODY_BYTES: String(MAX_BODY),
    // The per-token rate limit would answer most of the run RATE_LIMITED before validation.
    WALLETD_RPC_RATE_LIMIT_PER_MIN: '100000000',
  });
  d = Object.assign(p, { datadir, adminToken: readFileSync(join(datadir, 'admin.token'), 'utf8').trim() });
});
afterAll(async () => {
  d?.child.kill('SIGTERM');
  await d?.exited;
});

/** Why `reply` is not a well-formed JSON-RPC response, or null when it is. */
function replyProblem(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return 'not an object';
  const r = reply as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in r)) return 'no id';
  if (('result' in r) === ('error' in r)) return 'not exactly one of result and error';
  if ('error' in r) {
    const e = r.error as Record<string, unknown> | null;
    if (!e || !Number.isInteger(e.code) || typeof e.message !== 'string') return 'error without integer code and string message';
    if (STACK.test(e.message) || STACK.test(JSON.stringify(e.data ?? null))) return `stack trace in error: ${e.message}`;
    const data = e.data as Record<string, unknown> | undefined;
    // Protocol faults carry the JSON-RPC standard codes alone (README "Error codes").
    if (!PROTOCOL_FAULTS.has(e.code as number) && typeof data?.code !== 'string') return `error without a stable data.code: ${e.message}`;
  }
  return null;
}

/** Checks a whole answer to `c`; returns the problem or null. Also says whether anything succeeded. */
function answerProblem(c: FuzzCase, status: number, body: string | null): { problem: string | null; succeeded: boolean } {
  if (status >= 500) return { problem: `HTTP ${status}`, succeeded: false };
  if (c.notification && status < 300 && (body === null || body === '')) return { problem: null, succeeded: false };
  if (body === null) return { problem: 'no answer', succeeded: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: `answer is not JSON: ${body.slice(0, 80)}`, succeeded: false };
  }
  const replies = Array.isArray(parsed) ? parsed : [parsed];
  if (Array.isArray(parsed) && parsed.length === 0) return { problem: 'empty batch answer', succeeded: false };
  for (const r of replies) {
    const problem = replyProblem(r);
    if (problem) return { problem, succeeded: false };
  }
  return { problem: null, succeeded: replies.some((r) => 'result' in (r as object)) };
}

/** The `data.code`s of the replies in `body` (a rpc.discover result names codes too: not those). */
function errorCodes(body: string | null): string[] {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return (Array.isArray(parsed) ? parsed : [parsed])
      .map((r) => (r as { error?: { data?: { code?: unknown } } } | null)?.error?.data?.code)
      .filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

/** Audit rows of calls that took effect, over every page of the log. */
async function okAuditRows(): Promise<number> {
  let count = 0;
  let beforeId: number | undefined;
  for (;;) {
    const page = await ok<Array<{ id: number | null; outcome: string }>>(d, d.adminToken, 'get_audit_log', { limit: 1000, ...(beforeId ? { beforeId } : {}) });
    count += page.filter((e) => e.outcome === 'ok').length;
    const last = page.at(-1)?.id;
    if (page.length < 1000 || !last) return count;
    beforeId = last;
  }
}

/** What a rejected call must leave alone. */
async function stateSnapshot(): Promise<unknown> {
  const wallets = await ok<Array<{ id: string }>>(d, d.adminToken, 'list_wallets');
  const perWallet = [];
  for (const w of wallets) {
    perWallet.push({
      addresses: await ok(d, d.adminToken, 'get_addresses', { wallet: w.id }),
      info: await ok(d, d.adminToken, 'get_wallet_info', { wallet: w.id }),
    });
  }
  const metrics = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } })).text();
  return {
    wallets, perWallet,
    tokens: await ok(d, d.adminToken, 'token_list'),
    // Rejected state-changing calls are audited too, with their error code as the outcome
    // (SPEC §4); what must not move is the count of calls that took effect.
    audit: await okAuditRows(),
    leases: /^walletd_leased_outputs (\d+)$/m.exec(metrics)?.[1] ?? 'absent',
  };
}

async function rss(): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } })).text();
  return Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
}

describe(`fuzzing every method over HTTP, unix socket and WebSocket (${REQUESTS} requests)`, () => {
  it('answers every request well-formed, changes nothing on rejection, and holds its memory', async () => {
    const a = await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'fuzz-a' });
    await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'fuzz-b', passphrase: 'fuzz passphrase' });
    await ok(d, d.adminToken, 'generate_address', { wallet: a.id });
    await ok(d, d.adminToken, 'token_create', { scopes: ['wallet:read'], name: 'fuzz reader' });
    const before = await stateSnapshot();

    let ws = await FuzzSocket.open(d.url, d.adminToken);
    const problems: string[] = [];
    const accepted: string[] = [];
    let sent = 0;
    const codes = new Map<string, number>();
    let startRss = 0;
    const send = async (c: FuzzCase, via: 'http' | 'unix' | 'ws'): Promise<void> => {
      let status = 200;
      let body: string | null;
      if (via === 'ws') {
        if (ws.closeCode !== null) ws = await FuzzSocket.open(d.url, d.adminToken);
        body = c.notification ? null : await ws.exchange(c.body);
        // An oversized or unparsable frame may end the connection: a close code, not a reply.
        if (body === null && ws.closeCode !== null && (ws.closeCode !== 1006 || Buffer.byteLength(c.body) > MAX_BODY)) body = '{"closed":true}';
        if (body === '{"closed":true}') {
          sent += 1;
          return;
        }
      } else {
        const raw: RawAnswer = await postRaw(via === 'http' ? { url: d.url } : { socketPath: d.socket }, d.adminToken, c.body);
        status = raw.status;
        body = raw.body;
      }
      sent += 1;
      const { problem, succeeded } = answerProblem(c, status, body);
      for (const code of errorCodes(body)) codes.set(code, (codes.get(code) ?? 0) + 1);
      if (problem) problems.push(`${via} ${c.label}: ${problem.slice(0, 200)} (${c.body.slice(0, 200)})`);
      if (c.mustReject && succeeded) accepted.push(`${via} ${c.label}: ${c.body.slice(0, 200)}`);
      if (sent === 100) startRss = await rss();
    };

    await fc.assert(
      fc.asyncProperty(fuzzCases(METHODS, MAX_BODY), fc.constantFrom<'http' | 'unix' | 'ws'>('http', 'unix', 'ws'), async (c, via) => {
        await send(c, via).catch((err: Error) => problems.push(`${via} ${c.label}: threw ${err.message.slice(0, 200)}`));
        return problems.length === 0 && accepted.length === 0;
      }),
      { numRuns: REQUESTS, endOnFailure: true, seed: Number(process.env.WALLETD_TRUST_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    ).catch((err: Error) => {
      if (problems.length === 0 && accepted.length === 0) problems.push(`${err.message.slice(0, 300)} … ${err.message.slice(-400)}`);
    });

    // Bad WebSocket frames: binary, invalid UTF-8, an oversized frame. Each gets an error or a close.
    for (const [frame, binary] of [[Buffer.from([0xff, 0xfe, 0x00]), false], [Buffer.from('{"jsonrpc":"2.0"'), true], ['y'.repeat(MAX_BODY + 10), false]] as const) {
      if (ws.closeCode !== null) ws = await FuzzSocket.open(d.url, d.adminToken);
      const reply = await ws.exchange(frame, binary);
      if (reply !== null) {
        const problem = replyProblem(JSON.parse(reply));
        if (problem) problems.push(`ws bad frame: ${problem}`);
      } else expect(ws.closeCode).not.toBeNull();
    }
    ws.close();

    expect({ problems, accepted }).toEqual({ problems: [], accepted: [] });
    expect(await stateSnapshot()).toEqual(before);
    // The fuzz reaches validation: rejections are mostly INVALID_PARAMS, not a limiter's.
    expect(codes.get('INVALID_PARAMS') ?? 0).toBeGreaterThan(sent / 3);
    expect(codes.get('RATE_LIMITED') ?? 0).toBeLessThan(sent / 100);
    const endRss = await rss();
    expect(endRss).toBeLessThanOrEqual(startRss * 1.2);
    expect(d.child.exitCode).toBeNull();
    expect(d.stderr()).not.toMatch(/unhandled|uncaught/i);
    const errorLogs = d.logs.filter((l) => Number(l.level) >= 50);
    expect(errorLogs.map((l) => l.msg)).toEqual([]);
    expect(JSON.stringify(d.logs)).not.toMatch(STACK);
    console.log(`fuzz: ${sent} requests, codes ${JSON.stringify(Object.fromEntries(codes))}, RSS ${(startRss / 2 ** 20).toFixed(0)} → ${(endRss / 2 ** 20).toFixed(0)} MiB`);
  });

  it('answers a body that arrives slowly, byte by byte, with a well-formed reply', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'slow', method: 'get_balance', params: { wallet: 42 } });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const u = new URL(d.url);
      const req = request(
        { host: u.hostname, port: Number(u.port), path: '/rpc', method: 'POST', headers: { authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      let i = 0;
      const timer = setInterval(() => {
        req.write(body.slice(i, i + 4));
        i += 4;
        if (i >= body.length) {
          clearInterval(timer);
          req.end();
        }
      }, 50);
    });
    expect(answer.status).toBeLessThan(500);
    const reply = JSON.parse(answer.text) as Record<string, unknown>;
    expect(replyProblem(reply)).toBeNull();
    expect(reply).toMatchObject({ id: 'slow', error: { data: { code: 'INVALID_PARAMS' } } });
  });
});
