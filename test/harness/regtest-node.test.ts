import { afterEach, describe, expect, it } from 'vitest';
import { findNodeBinary } from './regtest-node.ts';

describe('findNodeBinary', () => {
  const saved = { node: process.env.WALLETD_TEST_NODE, path: process.env.PATH };
  afterEach(() => {
    if (saved.node === undefined) delete process.env.WALLETD_TEST_NODE;
    else process.env.WALLETD_TEST_NODE = saved.node;
    process.env.PATH = saved.path;
  });

  it('honours WALLETD_TEST_NODE and names a bad path', () => {
    process.env.WALLETD_TEST_NODE = '/nonexistent/litecoind';
    expect(() => findNodeBinary()).toThrow(/WALLETD_TEST_NODE/);
  });

  it('finds a node on this machine (tests fail, never skip, without one)', () => {
    delete process.env.WALLETD_TEST_NODE;
    const bin = findNodeBinary();
    expect(['litecoind', 'bitcoind']).toContain(bin.kind);
  });
});
