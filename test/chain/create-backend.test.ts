import { describe, expect, it } from 'vitest';
import { createChainBackend } from '../../src/chain/create-backend.ts';
import { isWalletdError } from '../../src/errors.ts';

describe('createChainBackend', () => {
  it('builds no backend for none (offline signer)', () => {
    expect(createChainBackend({ backend: 'none' })).toBeNull();
  });

  it('builds the configured adapter', () => {
    expect(createChainBackend({ backend: 'bitcoind', url: 'http://127.0.0.1:18443', user: 'u', password: 'p' })?.kind).toBe('bitcoind');
    expect(createChainBackend({ backend: 'esplora', url: 'http://127.0.0.1:3002' })?.kind).toBe('esplora');
  });

  it('refuses a backend without a URL', () => {
    let err: unknown;
    try {
      createChainBackend({ backend: 'esplora' });
    } catch (e) {
      err = e;
    }
    expect(isWalletdError(err, 'INVALID_PARAMS')).toBe(true);
  });
});
