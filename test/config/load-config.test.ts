/** Four-layer configuration (SPEC §2): defaults < file < WALLETD_* env < flags; errors name the key. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configKeys, loadConfig, redactConfig } from '../../src/config/load-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'walletd-config-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from defaults: offline signer on loopback', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.chain.backend).toBe('none');
    expect(config.rpc).toMatchObject({ host: '127.0.0.1', port: 7380, allowRemote: false, allowedOrigins: [] });
    expect(config.wallet.gapLimit).toBe(20);
    expect(config.datadir).toBe(join(dir, 'data'));
  });

  it('layers file < env < flags', () => {
    const configFile = file('layers.json', JSON.stringify({ network: 'testnet', rpc: { port: 1111, host: '127.0.0.2' }, chain: { pollIntervalMs: 500 } }));
    const config = loadConfig({
      configFile, cwd: dir,
      env: { WALLETD_RPC_PORT: '2222', WALLETD_CHAIN_POLL_INTERVAL_MS: '750', WALLETD_RPC_ALLOWED_ORIGINS: 'https://a.example,https://b.example' },
      flags: { 'rpc.port': '3333' },
    });
    expect(config.network).toBe('testnet');
    expect(config.rpc.host).toBe('127.0.0.2');
    expect(config.rpc.port).toBe(3333);
    expect(config.chain.pollIntervalMs).toBe(750);
    expect(config.rpc.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads secrets from _FILE variables, typed by the schema', () => {
    const secret = file('pass', 'keystore-secret\n');
    const config = loadConfig({ env: { WALLETD_KEYSTORE_PASSPHRASE_FILE: secret }, cwd: dir });
    expect(config.keystore.passphrase).toBe('keystore-secret');
  });

  it('takes JSON for object keys such as networkParams', () => {
    const params = { bech32: 'rltc', pubKeyHash: 111, scriptHash: 58, wif: 239, bip32: { public: 70617039, private: 70615956 } };
    const config = loadConfig({ env: { WALLETD_NETWORK: 'regtest', WALLETD_NETWORK_PARAMS: JSON.stringify(params) }, cwd: dir });
    expect(config.networkParams).toMatchObject(params);
  });

  it('names the bad key and where the value came from', () => {
    expect(errorOf(() => loadConfig({ env: { WALLETD_RPC_PORT: 'abc' }, cwd: dir })).message).toMatch(/rpc\.port.*WALLETD_RPC_PORT/);
    expect(errorOf(() => loadConfig({ env: {}, flags: { 'chain.backend': 'electrum' }, cwd: dir })).message).toMatch(/chain\.backend.*flag --chain-backend/);
    const bad = file('bad.json', JSON.stringify({ rpc: { port: 70000 } }));
    expect(errorOf(() => loadConfig({ configFile: bad, env: {}, cwd: dir })).message).toMatch(/rpc\.port.*config file/);
    expect(errorOf(() => loadConfig({ configFile: join(dir, 'missing.json'), env: {}, cwd: dir })).message).toMatch(/not found/);
    expect(errorOf(() => loadConfig({ configFile: file('broken.json', '{'), env: {}, cwd: dir })).message).toMatch(/not valid JSON/);
    expect(errorOf(() => loadConfig({ configFile: file('extra.json', '{"nope":1}'), env: {}, cwd: dir })).message).toMatch(/invalid config key/);
  });

  it('never prints a secret value in its errors', () => {
    const err = errorOf(() => loadConfig({ env: { WALLETD_BACKUP_PASSPHRASE: 'tiny-s3' }, cwd: dir }));
    expect(err.message).toMatch(/backup\.passphrase/);
    expect(err.message).not.toContain('tiny-s3');
  });

  it('derives one variable per key and redacts every secret', () => {
    const names = configKeys().map((k) => k.envName);
    expect(new Set(names).size).toBe(names.length);
    const config = loadConfig({ env: { WALLETD_KEYSTORE_PASSPHRASE: 'k-secret', WALLETD_CHAIN_PASSWORD: 'c-secret' }, cwd: dir });
    const redacted = JSON.stringify(redactConfig(config));
    expect(redacted).not.toContain('k-secret');
    expect(redacted).not.toContain('c-secret');
    expect(config.keystore.passphrase).toBe('k-secret');
  });

  it('redacts credentials embedded in the chain URL', () => {
    const config = loadConfig({ env: { WALLETD_CHAIN_URL: 'http://rpcuser:rpcpass@127.0.0.1:18443' }, cwd: dir });
    expect(redactConfig(config).chain.url).toBe('http://[redacted]@127.0.0.1:18443');
    expect(config.chain.url).toContain('rpcpass');
  });
});
