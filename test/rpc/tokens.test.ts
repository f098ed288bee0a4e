/** Token format, hashing, the constant-time path, subset rules, revocation and the admin token file. */
import crypto from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCOPES } from '../../src/rpc/scopes.ts';
import {
  authenticateToken, ensureAdminToken, hashSecret, isSubset, mintToken, subsetViolation,
} from '../../src/rpc/tokens.ts';
import { MemoryStores } from './fakes.ts';

const NOW = Date.UTC(2030, 0, 1);

describe('mint and authenticate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('mints wd_<id>_<secret> and stores only SHA-256 of the secret', async () => {
    const store = new MemoryStores();
    const { token, record } = await mintToken(store, { name: 'n', scopes: ['wallet:read'], constraints: {}, createdBy: null }, NOW);
    const m = /^wd_([0-9a-f]{16})_([0-9a-f]{64})$/.exec(token)!;
    expect(m).not.toBeNull();
    expect(record.id).toBe(m[1]);
    const stored = (await store.getToken(record.id))!;
    expect(stored.secretHash).toBe(crypto.createHash('sha256').update(m[2]!).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(m[2]!);
    const second = await mintToken(store, { name: 'n', scopes: [], constraints: {}, createdBy: null }, NOW);
    expect(second.token).not.toBe(token);
  });

  it('authenticates the right token and refuses malformed, wrong, unknown, revoked and expired ones', async () => {
    const store = new MemoryStores();
    const { token, record } = await mintToken(store, { name: 'n', scopes: ['wallet:read'], constraints: { expiresAt: NOW + 10 }, createdBy: null }, NOW);
    expect(await authenticateToken(store, token, NOW)).toEqual({ id: record.id, name: 'n', scopes: ['wallet:read'], constraints: { expiresAt: NOW + 10 }, ancestors: [] });
    const flipped = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    const unknownId = `wd_${'f'.repeat(16)}_${token.split('_')[2]}`;
    for (const bad of ['', 'garbage', `Bearer ${token}`, flipped, unknownId, token.toUpperCase()]) {
      await expect(authenticateToken(store, bad, NOW)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
    await expect(authenticateToken(store, token, NOW + 10)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    // A wrong secret never learns the token is expired.
    await expect(authenticateToken(store, flipped, NOW + 10)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await store.revokeToken(record.id, NOW);
    await expect(authenticateToken(store, token, NOW)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('compares hashes with crypto.timingSafeEqual, also for an unknown id', async () => {
    const store = new MemoryStores();
    const { token } = await mintToken(store, { name: 'n', scopes: [], constraints: {}, createdBy: null }, NOW);
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    await authenticateToken(store, token, NOW);
    await expect(authenticateToken(store, `wd_${'0'.repeat(16)}_${'1'.repeat(64)}`, NOW)).rejects.toThrow();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('subset rule (SPEC §4)', () => {
  const parent = {
    scopes: ['wallet:read', 'wallet:send'] as const,
    constraints: { wallets: ['w1', 'w2'], expiresAt: 1000, maxSendPerTx: 10, maxSendPerDay: 100, allowedDestinations: ['a', 'b'], rateLimit: 60 },
  };
  const p = { scopes: [...parent.scopes], constraints: parent.constraints };

  it('accepts equal or tighter scopes and constraints', () => {
    expect(isSubset(p, { scopes: ['wallet:read'], constraints: { ...parent.constraints, wallets: ['w2'], expiresAt: 999, allowedDestinations: ['a'] } })).toBe(true);
    expect(isSubset(p, p)).toBe(true);
    expect(isSubset({ scopes: [...SCOPES], constraints: {} }, { scopes: ['wallet:read'], constraints: { wallets: ['zz'] } })).toBe(true);
  });

  it('names each widening', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ wallets: ['w3'] }, 'wallets'], [{ wallets: undefined }, 'wallets'],
      [{ expiresAt: 1001 }, 'expiresAt'], [{ expiresAt: undefined }, 'expiresAt'],
      [{ maxSendPerTx: 11 }, 'maxSendPerTx'], [{ maxSendPerDay: 101 }, 'maxSendPerDay'],
      [{ allowedDestinations: ['c'] }, 'allowedDestinations'], [{ rateLimit: 61 }, 'rateLimit'],
    ];
    for (const [change, field] of cases) {
      expect(subsetViolation(p, { scopes: ['wallet:read'], constraints: { ...parent.constraints, ...change } })).toBe(field);
    }
    expect(subsetViolation(p, { scopes: ['wallet:admin'], constraints: parent.constraints })).toBe('scopes');
  });
});

describe('admin token file', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is a cookie: a fresh secret with mode 0600 at every call, the previous one revoked, its mints kept', async () => {
    dir = await mkdtemp(join(tmpdir(), 'walletd-admin-'));
    const path = join(dir, 'admin.token');
    const store = new MemoryStores();
    const first = await ensureAdminToken(store, path, NOW);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.token);
    expect((await authenticateToken(store, first.token, NOW)).scopes).toEqual([...SCOPES]);
    const minted = await mintToken(store, { name: 'ops', scopes: ['wallet:read'], constraints: {}, createdBy: null }, NOW);

    await writeFile(path, 'garbage', { mode: 0o644 });
    const second = await ensureAdminToken(store, path, NOW);
    expect(second.token).not.toBe(first.token);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await expect(authenticateToken(store, first.token, NOW)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await authenticateToken(store, second.token, NOW)).toBeTruthy();
    expect(await authenticateToken(store, minted.token, NOW)).toBeTruthy();
  });
});
