/**
 * Builds the real in-process stack (keystore in a temp dir, wallet service, dispatcher from the
 * method table) behind `buildApp`, without opening any port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load-config.ts';
import type { WalletdConfig } from '../../src/config/schema.ts';
import { openKeystore, type Keystore } from '../../src/keystore/index.ts';
import { ensureAdminToken, mintToken } from '../../src/rpc/tokens.ts';
import type { Scope } from '../../src/rpc/scopes.ts';
import { buildApp } from '../../src/server/app.ts';
import { createRuntime } from '../../src/server/daemon-services.ts';
import { createLogger } from '../../src/server/logger.ts';

/** A running in-memory app and what a test needs to drive it. */
export interface TestApp {
  app: FastifyInstance;
  adminToken: string;
  config: WalletdConfig;
  keystore: Keystore;
  /** Mints a token with exactly these scopes. */
  tokenWith(scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts the stack over a fresh data dir; `flags` are dotted config keys. */
export async function startTestApp(flags: Record<string, string> = {}): Promise<TestApp> {
  const datadir = await mkdtemp(join(tmpdir(), 'walletd-app-'));
  const config = loadConfig({ env: {}, flags: { datadir, network: 'regtest', 'log.level': 'silent', ...flags } });
  const logger = createLogger({ level: 'silent' });
  const keystore = await openKeystore({ datadir });
  const { token: adminToken } = await ensureAdminToken(keystore.tokens, join(datadir, 'admin.token'));
  const runtime = createRuntime({ config, keystore, logger });
  const app = await buildApp({
    dispatcher: runtime.dispatcher,
    config,
    logger,
    metrics: runtime.metrics,
    readiness: async () => true,
  });
  await app.ready();
  return {
    app,
    adminToken,
    config,
    keystore,
    tokenWith: async (scopes) =>
      (await mintToken(keystore.tokens, { name: 'test', scopes, constraints: {}, createdBy: null })).token,
    close: async () => {
      await app.close();
      await runtime.wallet.stop();
      await keystore.close();
      await rm(datadir, { recursive: true, force: true });
    },
  };
}
