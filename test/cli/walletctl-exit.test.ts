/**
 * walletctl as a child process against a real daemon with no chain: flag parsing, transports,
 * token lookup, the token/restore sugar and SPEC §9's exit codes (0 ok, 2 usage, one per error class).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { walletctl } from './run-walletctl.ts';

let datadir: string;
let daemon: DaemonProcess & { url: string; socket: string };
let walletId: string;

beforeAll(async () => {
  datadir = mkdtempSync(join(tmpdir(), 'walletctl-'));
  daemon = await startDaemonProcess(datadir);
  const created = await walletctl(['--datadir', datadir, '--json', 'create_wallet', '--name', 'w1', '--address-type', 'p2tr']);
  expect(created.code).toBe(0);
  walletId = created.json<{ id: string }>().id;
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  rmSync(datadir, { recursive: true, force: true });
});

describe('walletctl exit codes', () => {
  it('exits 0 with the raw result under --json (socket transport, admin.token from the data dir)', async () => {
    const run = await walletctl(['--datadir', datadir, 'get_wallet_info', '--wallet', walletId, '--json']);
    expect(run.code).toBe(0);
    const info = run.json<{ id: string; addressType: string }>();
    expect(info.id).toBe(walletId);
    expect(info.addressType).toBe('p2tr');
  });

  it('exits 18 on WALLET_NOT_FOUND and prints its data.code and data on stderr (JSON under --json)', async () => {
    const run = await walletctl(['--datadir', datadir, 'get_balance', '--wallet', 'no-such-wallet']);
    expect(run.code).toBe(18);
    expect(run.stderr).toContain('WALLET_NOT_FOUND');
    expect(run.stdout).toBe('');
    const json = await walletctl(['--datadir', datadir, '--json', 'get_balance', '--wallet', 'no-such-wallet']);
    expect(json.code).toBe(18);
    expect(json.stdout).toBe('');
    expect(JSON.parse(json.stderr)).toMatchObject({ error: 'WALLET_NOT_FOUND', code: -18, data: { code: 'WALLET_NOT_FOUND' } });
  });

  it('exits 4 with UNAUTHORIZED for a wrong token, and --token wins over admin.token', async () => {
    const run = await walletctl(['--datadir', datadir, '--token', 'wd_bad_bad', 'list_wallets']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('UNAUTHORIZED');
  });

  it.each([
    [['get_balance', '--no-such-flag', 'x']],
    [['no_such_method']],
    [['create_wallet']],
    [['get_unspent_outputs', '--min-conf', 'many']],
    [['generate_address', '--change', 'maybe']],
    [['send_transaction', '--outputs', '[{"address":']],
    [['send_transaction', '--to', 'bcrt1qxyz']],
    [['--url', 'http://127.0.0.1:1', '--socket', '/tmp/x.sock', 'list_wallets']],
  ])('exits 2 on bad usage: %j', async (args) => {
    const run = await walletctl(['--datadir', datadir, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error/i);
  });

  it('talks HTTP with --url and takes the token from WALLETD_TOKEN; kebab and camel flags both work', async () => {
    const token = (await import('node:fs')).readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const env = { WALLETD_TOKEN: token };
    const kebab = await walletctl(['--url', daemon.url, '--json', 'generate-address', '--wallet', walletId, '--label', 'a b', '--change'], env);
    expect(kebab.code).toBe(0);
    expect(kebab.json<{ chain: string; label: string }>()).toMatchObject({ chain: 'change', label: 'a b' });
    const camel = await walletctl(['--url', daemon.url, '--json', 'create_wallet', '--name', 'camel', '--addressType', 'p2tr'], env);
    expect(camel.code).toBe(0);
    expect(camel.json()).toMatchObject({ name: 'camel', addressType: 'p2tr' });
  });

  it('exits 28 (try again later) with CHAIN_UNAVAILABLE for chain-only reads on an offline signer', async () => {
    const run = await walletctl(['--datadir', datadir, 'get_balance', '--wallet', walletId]);
    expect(run.code).toBe(28);
    expect(run.stderr).toContain('CHAIN_UNAVAILABLE');
  });

  it('prints human output as a table', async () => {
    const run = await walletctl(['--datadir', datadir, 'list_wallets']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^id\s+name\s+network/);
    expect(run.stdout).toContain(walletId);
  });

  it('`help <method>` lists the params from the schema', async () => {
    const run = await walletctl(['help', 'send_transaction']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--outputs\s+array<\{address, amount\}>\s+amount in sats\s+required/);
    expect(run.stdout).toMatch(/--fee-rate\s+number\s+sat\/vB\s+optional/);
    // Each param once (commander's own option list no longer repeats them).
    expect(run.stdout.match(/^ {2}--fee-rate\s/gm)).toHaveLength(1);
    expect(run.stdout).toMatch(/Example:\n\s+walletctl send_transaction /);
  });

  it('token create/list/revoke map onto token_create/token_list/token_revoke', async () => {
    const created = await walletctl([
      '--datadir', datadir, '--json', 'token', 'create', '--scopes', 'wallet:read,wallet:receive',
      '--wallets', walletId, '--max-send-per-tx', '5000', '--expires-at', '2099-01-01T00:00:00.000Z',
    ]);
    expect(created.code).toBe(0);
    const tok = created.json<{ token: string; id: string; scopes: string[]; constraints: Record<string, unknown> }>();
    expect(tok.scopes).toEqual(['wallet:read', 'wallet:receive']);
    expect(tok.constraints).toMatchObject({ wallets: [walletId], maxSendPerTx: 5000 });
    // The new token works and is bound to its scopes.
    const asNew = await walletctl(['--datadir', datadir, '--token', tok.token, 'token', 'list']);
    expect(asNew.code).toBe(4);
    expect(asNew.stderr).toContain('FORBIDDEN_SCOPE');
    const listed = await walletctl(['--datadir', datadir, '--json', 'token', 'list']);
    expect(listed.json<Array<{ id: string }>>().map((t) => t.id)).toContain(tok.id);
    const revoked = await walletctl(['--datadir', datadir, '--json', 'token', 'revoke', tok.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toBe(true);
    const after = await walletctl(['--datadir', datadir, '--token', tok.token, 'list_wallets']);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('UNAUTHORIZED');
    const bad = await walletctl(['--datadir', datadir, 'token', 'create', '--scopes', 'wallet:read', '--max-send-per-tx', 'lots']);
    expect(bad.code).toBe(2);
  });

  it('exits 0 after a successful import even when the token cannot read the rescan progress', async () => {
    const admin = await walletctl(['--datadir', datadir, '--json', 'token', 'create', '--scopes', 'wallet:admin']);
    expect(admin.code).toBe(0);
    const run = await walletctl([
      '--datadir', datadir, '--token', admin.json<{ token: string }>().token, '--json', 'import_wallet',
      '--mnemonic', 'legal winner thank year wave sausage worth useful legal winner thank yellow',
    ]);
    expect(run.code).toBe(0);
    expect(run.json<{ id: string }>().id).toMatch(/^w_/);
    expect(run.stderr).toContain('FORBIDDEN_SCOPE');
    expect(run.stderr).not.toContain('legal winner');
  });

  it('restore reads the bundle and passphrase files and calls import_wallet', async () => {
    const pass = 'correct horse battery staple';
    const exported = await walletctl(['--datadir', datadir, '--json', 'export_wallet', '--wallet', walletId, '--passphrase', pass]);
    expect(exported.code).toBe(0);
    const bundleFile = join(datadir, 'w1.bundle');
    const passFile = join(datadir, 'pass.txt');
    writeFileSync(bundleFile, `${exported.json<{ bundle: string }>().bundle}\n`);
    writeFileSync(passFile, 'not the passphrase\n');
    const wrong = await walletctl(['--datadir', datadir, 'restore', '--bundle', bundleFile, '--passphrase-file', passFile]);
    expect(wrong.code).toBe(14);
    expect(wrong.stderr).toContain('BAD_PASSPHRASE');
    writeFileSync(passFile, `${pass}\n`);
    // The same seed is already in this keystore, so the daemon refuses a duplicate: the call got through intact.
    const again = await walletctl(['--datadir', datadir, 'restore', '--bundle', bundleFile, '--passphrase-file', passFile]);
    expect(again.code).toBe(20);
    expect(again.stderr).toContain('WALLET_EXISTS');
    const missing = await walletctl(['--datadir', datadir, 'restore', '--bundle', join(datadir, 'nope')]);
    expect(missing.code).toBe(2);
  });
});
