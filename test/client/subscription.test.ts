/**
 * The client's subscription helper: no event is dropped between the `subscribe` reply and the
 * first listener, events keep `seq` order, `close()` unsubscribes and ends iterators. The race
 * is the client's own (a reply and the first events read in one go), so a scripted WebSocket
 * plays the daemon for it; the round trip against a real daemon follows.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient, type WalletEvent, type WebSocketLike } from '../../src/client/index.ts';
import { startDaemonProcess } from '../daemon/daemon-process.ts';

type Listener = (event: { data?: unknown }) => void;

/** A WebSocket that answers `subscribe` and pushes two events in the same tick as the reply. */
function scriptedSocket(sent: Array<{ method: string; params: unknown }>) {
  return class implements WebSocketLike {
    readyState = 0;
    private listeners = new Map<string, Listener[]>();
    constructor() {
      setTimeout(() => {
        this.readyState = 1;
        this.emit('open', {});
      }, 1);
    }
    addEventListener(type: string, listener: Listener) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }
    private emit(type: string, event: { data?: unknown }) {
      for (const l of this.listeners.get(type) ?? []) l(event);
    }
    private event(seq: number): string {
      return JSON.stringify({ jsonrpc: '2.0', method: 'event', params: { seq, type: 'block', wallet: null, at: seq, data: { height: seq }, subscription: 's1' } });
    }
    send(text: string) {
      const req = JSON.parse(text) as { id: number; method: string; params: unknown };
      sent.push({ method: req.method, params: req.params });
      const result = req.method === 'subscribe' ? { subscription: 's1', snapshot: { seq: 0, tipHeight: null } } : true;
      setTimeout(() => {
        // One read of the socket: the reply, then events 1 and 2, before any promise settles.
        this.emit('message', { data: this.event(1) });
        this.emit('message', { data: JSON.stringify({ jsonrpc: '2.0', id: req.id, result }) });
        this.emit('message', { data: this.event(2) });
        setTimeout(() => this.emit('message', { data: this.event(3) }), 5);
      }, 1);
    }
    close() {
      this.readyState = 3;
      this.emit('close', {});
    }
  };
}

describe('client.subscribe', () => {
  it('queues events until the first listener, in seq order, and close() unsubscribes', async () => {
    const sent: Array<{ method: string; params: unknown }> = [];
    const client = createClient({ ws: 'ws://127.0.0.1:1' }, { token: 't', WebSocket: scriptedSocket(sent) });
    const sub = await client.subscribe({ events: ['block'] });
    expect(sub.id).toBe('s1');
    // Attach late, after every event has arrived: none may be lost.
    await new Promise((r) => setTimeout(r, 30));
    const seen: number[] = [];
    sub.on('event', (e: WalletEvent) => seen.push(e.seq));
    expect(seen).toEqual([1, 2, 3]);
    await sub.close();
    expect(sent.map((s) => s.method)).toEqual(['subscribe', 'unsubscribe']);
    expect(sent[1]!.params).toEqual({ subscription: 's1' });
    await client.close();
  });

  it('feeds an async iterator and ends it on close()', async () => {
    const client = createClient({ ws: 'ws://127.0.0.1:1' }, { token: 't', WebSocket: scriptedSocket([]) });
    const sub = await client.subscribe({ events: ['block'] });
    const seqs: number[] = [];
    for await (const e of sub) {
      seqs.push(e.seq);
      if (e.seq === 3) void sub.close();
    }
    expect(seqs).toEqual([1, 2, 3]);
    await client.close();
  });

  it('ends its iterators when the connection closes', async () => {
    const client = createClient({ ws: 'ws://127.0.0.1:1' }, { token: 't', WebSocket: scriptedSocket([]) });
    const sub = await client.subscribe({ events: ['block'] });
    const seqs: number[] = [];
    for await (const e of sub) {
      seqs.push(e.seq);
      if (e.seq === 3) void client.close();
    }
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('subscribes and unsubscribes against a real daemon over WebSocket', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'walletd-sub-'));
    const daemon = await startDaemonProcess(datadir);
    try {
      const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
      const client = createClient({ ws: daemon.url.replace(/^http/, 'ws') }, { token });
      const sub = await client.subscribe({ events: ['block', 'tx'] });
      expect(typeof sub.id).toBe('string');
      expect(sub.snapshot.seq).toBeGreaterThanOrEqual(0);
      await sub.close();
      // The helper really unsubscribed: the daemon no longer knows the id.
      expect(await client.unsubscribe({ subscription: sub.id })).toBe(false);
      await client.close();
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      rmSync(datadir, { recursive: true, force: true });
    }
  });
});
