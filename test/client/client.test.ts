/**
 * The typed client against a real daemon process over each transport: HTTP, the unix socket
 * and WebSocket. Errors arrive as WalletdRpcError carrying the numeric code and data.code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isWalletdRpcError, WalletdRpcError, type ClientEndpoint } from '../../src/client/index.ts';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';

let datadir: string;
let daemon: DaemonProcess & { url: string; socket: string };
let token: string;

beforeAll(async () => {
  datadir = mkdtempSync(join(tmpdir(), 'walletd-client-'));
  daemon = await startDaemonProcess(datadir);
  token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  rmSync(datadir, { recursive: true, force: true });
});

const endpoints: Array<[string, () => ClientEndpoint]> = [
  ['http', () => ({ url: daemon.url })],
  ['unix socket', () => ({ socketPath: daemon.socket })],
  ['websocket', () => ({ ws: daemon.url.replace(/^http/, 'ws') })],
];

describe.each(endpoints)('typed client over %s', (kind, endpoint) => {
  it('creates a wallet, derives an address and reads it back', async () => {
    const client = createClient(endpoint(), { token });
    try {
      const wallet = await client.createWallet({ name: `via-${kind}` });
      expect(wallet.name).toBe(`via-${kind}`);
      const addr = await client.generateAddress({ wallet: wallet.id, label: 'first' });
      expect(addr).toMatchObject({ chain: 'receive', index: 0, label: 'first' });
      const listed = await client.getAddresses({ wallet: wallet.id });
      expect(listed.map((a) => a.address)).toContain(addr.address);
      const wallets = await client.call('list_wallets');
      expect(wallets.map((w) => w.id)).toContain(wallet.id);
    } finally {
      await client.close();
    }
  });

  it('throws WalletdRpcError with code and data.code', async () => {
    const client = createClient(endpoint(), { token });
    try {
      const err = await client.getBalance({ wallet: 'missing' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WalletdRpcError);
      expect(isWalletdRpcError(err, 'WALLET_NOT_FOUND')).toBe(true);
      expect((err as WalletdRpcError).code).toBe(-18);
      expect((err as WalletdRpcError).method).toBe('get_balance');
      // Strict schemas: an unknown param is INVALID_PARAMS, not silently ignored.
      const bad = await client.call('list_wallets', { extra: 1 } as never).catch((e: unknown) => e);
      expect(isWalletdRpcError(bad, 'INVALID_PARAMS')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('reports a bad token as UNAUTHORIZED', async () => {
    const client = createClient(endpoint(), { token: 'wd_nope_nope' });
    try {
      const err = await client.listWallets().catch((e: unknown) => e);
      expect(isWalletdRpcError(err, 'UNAUTHORIZED')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('websocket client', () => {
  it('keeps one connection: select_wallet applies to later calls on it', async () => {
    const client = createClient({ ws: `${daemon.url.replace(/^http/, 'ws')}/ws` }, { token });
    try {
      const wallet = await client.createWallet({ name: 'selected' });
      await client.selectWallet({ wallet: wallet.id });
      const [info, addresses] = await Promise.all([client.getWalletInfo(), client.getAddresses()]);
      expect(info.id).toBe(wallet.id);
      expect(addresses).toEqual([]);
      const seen: string[] = [];
      client.on('notification', (n) => seen.push(n.method));
      expect(seen).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
