import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';
import { resolveKeystoreKey } from '../../src/keystore/key-file.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('keystore key resolution', () => {
  it('generates a 0600 key file in a new 0700 datadir, then reuses it', async () => {
    const datadir = join(dir, 'data');
    const first = await resolveKeystoreKey({ datadir });
    expect(first.generated).toBe(true);
    expect(statSync(datadir).mode & 0o777).toBe(0o700);
    const keyPath = join(datadir, 'keystore.key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyPath, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(first.key).toEqual({ kind: 'raw', hex: readFileSync(keyPath, 'utf8').trim() });
    // No temp file is left behind by the atomic write.
    expect(readdirSync(datadir)).toEqual(['keystore.key']);

    const second = await resolveKeystoreKey({ datadir });
    expect(second).toEqual({ key: first.key, generated: false });
  });

  it('lets a passphrase win over the key file', async () => {
    await resolveKeystoreKey({ datadir: dir });
    const r = await resolveKeystoreKey({ datadir: dir, passphrase: 'pw' });
    expect(r).toEqual({ key: { kind: 'passphrase', passphrase: 'pw' }, generated: false });
  });

  it('refuses an existing keystore.db without a key file, creating nothing', async () => {
    writeFileSync(join(dir, 'keystore.db'), 'x');
    await expect(resolveKeystoreKey({ datadir: dir })).rejects.toThrow(/refusing to start/);
    expect(existsSync(join(dir, 'keystore.key'))).toBe(false);
  });

  it('refuses a malformed key file without echoing it', async () => {
    writeFileSync(join(dir, 'keystore.key'), 'not-a-key-SECRETISH');
    const err: unknown = await resolveKeystoreKey({ datadir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('SECRETISH');
  });
});

describe('openKeystore', () => {
  it('reports a generated key once and reopens the same keystore', async () => {
    const generated: string[] = [];
    const ks = await openKeystore({ datadir: dir, onGeneratedKey: (p) => generated.push(p) });
    expect(generated).toEqual([join(dir, 'keystore.key')]);
    expect(ks.path).toBe(join(dir, 'keystore.db'));
    await ks.tokens.insertToken({
      id: 't1', name: 'admin', secretHash: 'ab'.repeat(32), scopes: ['tokens:admin'], constraints: {},
      createdBy: null, createdAt: 1, revokedAt: null,
    });
    await ks.close();

    const again = await openKeystore({ datadir: dir, onGeneratedKey: (p) => generated.push(p) });
    expect(generated).toHaveLength(1);
    expect((await again.tokens.getToken('t1'))?.name).toBe('admin');
    await again.close();
  });

  it('refuses the keystore when a passphrase is given for a key-file keystore', async () => {
    const ks = await openKeystore({ datadir: dir });
    await ks.close();
    await expect(openKeystore({ datadir: dir, passphrase: 'wrong' })).rejects.toMatchObject({ name: 'KeystoreKeyError' });
  });
});
