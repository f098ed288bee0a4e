/**
 * Issue 16's table row "full disk: the keystore stays intact", with a real ENOSPC: the data dir
 * is an 8 MiB tmpfs (this needs root, as here and in CI), filled by a ballast file while the
 * daemon takes writes. Every write is either acknowledged and durable or answered with a clear
 * JSON-RPC error; the daemon keeps serving; after the space is freed and the daemon restarted,
 * the integrity checks are clean and every acknowledged write is there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { ok, rpc } from '../e2e/e2e-helpers.ts';
import { checkKeystore } from './crash-checks.ts';

const mountpoint = mkdtempSync(join(tmpdir(), 'walletd-full-disk-'));
const datadir = join(mountpoint, 'data');
const ballast = join(mountpoint, 'ballast');
let d: (DaemonProcess & { url: string; socket: string }) | undefined;

beforeAll(() => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountpoint]);
});
afterAll(async () => {
  d?.child.kill('SIGKILL');
  await d?.exited;
  execFileSync('umount', [mountpoint]);
  rmSync(mountpoint, { recursive: true, force: true });
});

/** Appends to the ballast until the filesystem refuses even a page with ENOSPC; returns the bytes written. */
async function fill(): Promise<number> {
  const fh = await open(ballast, 'a');
  let written = 0;
  try {
    // Large pieces first, then page-sized ones take the last free pages.
    for (const size of [64 * 1024, 4096]) {
      const piece = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          written += (await fh.write(piece)).bytesWritten;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
        // About 4 MiB/s, so the daemon's writes race the ballast as the disk fills.
        await new Promise((r) => setTimeout(r, size === 4096 ? 0 : 15));
      }
    }
    return written;
  } finally {
    await fh.close();
  }
}

describe('full disk (a real ENOSPC on an 8 MiB tmpfs)', () => {
  it('acknowledges only durable writes, answers the rest with a clear error, and keeps the keystore intact', async () => {
    d = await startDaemonProcess(datadir);
    let token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const wallet = (await ok<{ id: string }>(d, token, 'create_wallet', { name: 'main' })).id;
    const acked = { wallets: [wallet], labels: new Map<string, string>(), tokens: [] as string[] };
    const errors = new Map<string, number>();
    let full = false;
    let failedAfterFull = 0;
    const daemon = d;

    // One round of writes: a wallet, an address with a long label, a token.
    const round = async (i: number) => {
      const steps: Array<[string, Record<string, unknown>, (r: Record<string, unknown>) => void]> = [
        ['create_wallet', { name: `w-${i}` }, (r) => acked.wallets.push(r.id as string)],
        ['token_create', { name: `t-${i}`, scopes: ['wallet:read'] }, (r) => acked.tokens.push((r.id ?? (r.token as { id?: string })?.id) as string)],
      ];
      for (const [method, params, onAck] of steps) {
        const answer = await rpc(daemon, token, method, params);
        if (answer.result) onAck(answer.result as Record<string, unknown>);
        else record(answer);
      }
      const address = await rpc(daemon, token, 'generate_address', { wallet });
      if (!address.result) return record(address);
      const addr = (address.result as { address: string }).address;
      const label = `label ${i} `.padEnd(256, 'x');
      const set = await rpc(daemon, token, 'set_label', { wallet, address: addr, label });
      if (set.error) record(set);
      else acked.labels.set(addr, label);
    };
    const record = (answer: Awaited<ReturnType<typeof rpc>>) => {
      // A clear JSON-RPC error, not INTERNAL: the disk is full (src/errors.ts).
      expect(answer.error, JSON.stringify(answer)).toMatchObject({ code: -32021, data: { code: 'STORAGE_FULL' } });
      const code = answer.error!.data!.code!;
      errors.set(code, (errors.get(code) ?? 0) + 1);
      if (full) failedAfterFull += 1;
    };

    const filling = fill().then((bytes) => {
      full = true;
      return bytes;
    });
    let i = 0;
    while (!full || (failedAfterFull < 20 && i < 2_000)) await round(i++);
    const ballastBytes = await filling;
    // It still serves reads while the disk is full.
    expect(await ok<unknown[]>(daemon, token, 'list_wallets')).toEqual(expect.any(Array));
    const roundsWhileFull = i;

    // Free the space: writes work again without a restart.
    await rm(ballast);
    const after = await rpc(daemon, token, 'create_wallet', { name: 'after-free' });
    expect(after.error).toBeUndefined();
    acked.wallets.push((after.result as { id: string }).id);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    await checkKeystore(datadir);
    d = await startDaemonProcess(datadir);
    token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const wallets = (await ok<Array<{ id: string }>>(d, token, 'list_wallets')).map((w) => w.id);
    for (const id of acked.wallets) expect(wallets).toContain(id);
    const tokens = (await ok<Array<{ id: string }>>(d, token, 'token_list')).map((t) => t.id);
    for (const id of acked.tokens) expect(tokens).toContain(id);
    const labels = new Map((await ok<Array<{ address: string; label: string | null }>>(d, token, 'get_addresses', { wallet })).map((a) => [a.address, a.label]));
    for (const [addr, label] of acked.labels) expect(labels.get(addr), addr).toBe(label);
    console.log(
      `full disk: ${(ballastBytes / 2 ** 20).toFixed(1)} MiB ballast to ENOSPC, ${roundsWhileFull} write rounds, ` +
      `${acked.wallets.length} wallets, ${acked.tokens.length} tokens and ${acked.labels.size} labels acknowledged and all present after restart; ` +
      `refused: ${JSON.stringify(Object.fromEntries(errors))}; integrity checks clean`,
    );
  });
});
