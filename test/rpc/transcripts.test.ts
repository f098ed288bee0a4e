/**
 * JSON-RPC conformance as request/response transcripts (the ethereum/execution-apis style):
 * each `test/rpc/transcripts/*.io` file holds `>> request` lines, each followed by the exact
 * `<< response` walletd must give, or by none for a notification. They run in order against the
 * real app (offline signer, fresh keystore) over `POST /rpc` with the admin token. Error
 * messages are shown for readers but not compared: clients match on codes (SPEC §6).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../server/helpers.ts';

const DIR = new URL('./transcripts/', import.meta.url);

/** Messages are for people: compare everything else exactly, and only check a message exists. */
function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (value && typeof value === 'object' && 'error' in value) {
    const { error, ...rest } = value as { error: { message: unknown } };
    expect(typeof error.message === 'string' && error.message.length > 0).toBe(true);
    return { ...rest, error: { ...error, message: '<message>' } };
  }
  return value;
}

/** Pairs of a request and the expected response (null: no response, a notification). */
function parse(text: string): Array<{ request: string; response: unknown | null }> {
  const steps: Array<{ request: string; response: unknown | null }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('>> ')) steps.push({ request: line.slice(3), response: null });
    else if (line.startsWith('<< ')) steps.at(-1)!.response = JSON.parse(line.slice(3));
  }
  return steps;
}

describe.each(readdirSync(DIR).filter((f) => f.endsWith('.io')))('transcript %s', (file) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('answers every request exactly as recorded', async () => {
    const steps = parse(readFileSync(new URL(file, DIR), 'utf8'));
    expect(steps.length).toBeGreaterThan(0);
    for (const { request, response } of steps) {
      const res = await t.app.inject({
        method: 'POST', url: '/rpc', payload: request,
        headers: { host: 'localhost', authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      });
      if (response === null) expect(res.statusCode, request).toBe(204);
      else expect(withoutMessages(res.json()), request).toEqual(withoutMessages(response));
    }
  });
});
