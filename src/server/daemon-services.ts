/**
 * Wires the daemon's in-process parts over an open keystore: chain backend, wallet service,
 * metrics and the RPC dispatcher. Tests use `createRuntime` to get the real stack without ports.
 */
import type { Logger } from 'pino';
import { createChainBackend } from '../chain/create-backend.ts';
import { redactConfig, redactCredentials } from '../config/load-config.ts';
import type { WalletdConfig } from '../config/schema.ts';
import type { Keystore } from '../keystore/index.ts';
import { createNotifier, type NotifyRuntime } from '../notify/create-notifier.ts';
import type { NodeInfo, RpcServices } from '../rpc/context.ts';
import { RpcDispatcher } from '../rpc/dispatcher.ts';
import { METHODS } from '../rpc/method-table.ts';
import { resolveNetwork } from '../wallet/keys/networks.ts';
import type { ChainBackend, Clock } from '../wallet/ports.ts';
import { WalletService } from '../wallet/wallet-service.ts';
import { PortabilityService } from '../portability/portability-service.ts';
import { Metrics } from './metrics.ts';
import { walletdVersion } from '../package-version.ts';
import { LiveSessions, WS_TOKEN_EXPIRED } from '../rpc/live-sessions.ts';

/** The real clock; its timers never keep the process alive. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const timer = setTimeout(fn, ms);
      timer.unref();
      return () => clearTimeout(timer);
    },
  };
}

/** walletd's version, from package.json. */
export const VERSION: string = walletdVersion(import.meta.url);

/** get_node_info's result: public facts and the config with every secret redacted. */
export function nodeInfoOf(config: WalletdConfig, wallet: Pick<WalletService, 'chainStatus'>): NodeInfo {
  const status = wallet.chainStatus();
  const redacted = redactConfig(config);
  return {
    version: VERSION,
    network: config.network,
    backend: status.backend,
    state: status.state,
    tipHeight: status.tipHeight,
    syncHeight: status.syncHeight,
    uptimeSec: Math.floor(process.uptime()),
    lastBackendError: status.lastError
      ? { message: redactCredentials(status.lastError.message), at: new Date(status.lastError.at).toISOString() }
      : null,
    config: redacted as unknown as Record<string, unknown>,
  };
}

/** Feeds the walletd_* gauges from the keystore and the wallet service. */
export function registerGauges(
  metrics: Metrics,
  deps: { keystore: Keystore; wallet: WalletService; clock: Clock },
): void {
  metrics.setGauge('walletd_wallets', async () => (await deps.keystore.wallets.listWallets()).length);
  metrics.setGauge('walletd_wallets_unlocked', async () => {
    const wallets = await deps.wallet.listWallets();
    return wallets.filter((w) => !w.locked && !w.watchOnly).length;
  });
  // 0 while sync passes fail to reach the backend, else 1 (a long first scan is up); absent offline.
  metrics.setGauge('walletd_chain_up', () => {
    const { backend, state } = deps.wallet.chainStatus();
    return backend === 'none' ? null : state === 'unavailable' ? 0 : 1;
  });
  metrics.setGauge('walletd_chain_tip_height', () => deps.wallet.chainStatus().tipHeight);
  metrics.setGauge('walletd_chain_sync_height', () => deps.wallet.chainStatus().syncHeight);
  metrics.setGauge('walletd_chain_sync_lag_blocks', () => {
    const { tipHeight, syncHeight } = deps.wallet.chainStatus();
    return tipHeight === null || syncHeight === null ? null : Math.max(0, tipHeight - syncHeight);
  });
  metrics.setGauge('walletd_leased_outputs', async () => {
    const now = deps.clock.now();
    let total = 0;
    for (const w of await deps.keystore.wallets.listWallets()) {
      total += (await deps.keystore.wallets.listLeases(w.id, now)).length;
    }
    return total;
  });
}

/** The daemon's parts above the keystore; sync is not started. */
export interface Runtime {
  clock: Clock;
  chain: ChainBackend | null;
  wallet: WalletService;
  metrics: Metrics;
  dispatcher: RpcDispatcher;
  services: RpcServices;
  /** Live notifications and webhooks. */
  notify: NotifyRuntime;
}

/** Builds chain backend, wallet service, metrics and dispatcher; throws on a bad chain config. */
export function createRuntime(deps: { config: WalletdConfig; keystore: Keystore; logger: Logger; clock?: Clock }): Runtime {
  const { config, keystore, logger } = deps;
  const clock = deps.clock ?? systemClock();
  // Secret keys are typed `unknown` by the schema helper; validation made them strings.
  const chain = createChainBackend({ ...config.chain, password: config.chain.password as string | undefined });
  const metrics = new Metrics({ version: VERSION });
  const sessions = new LiveSessions();
  const notify = createNotifier({
    config, keystore, clock, log: logger.child({ component: 'notify' }), onWebhook: (outcome) => metrics.observeWebhook(outcome),
    // README "Lineage": an expired token's sockets end at its next push, like a revoked one's.
    onTokenExpired: (tokenId) => sessions.endTokens([tokenId], WS_TOKEN_EXPIRED),
  });
  const wallet = new WalletService({
    store: keystore.wallets,
    clock,
    network: resolveNetwork(config.network, config.networkParams),
    chain,
    settings: {
      ...config.wallet,
      ...config.fees,
      fallbackFeeRate: config.fees.fallbackFeeRate ?? null,
      pollIntervalMs: config.chain.pollIntervalMs,
      confirmationDepth: config.notify.confirmationDepth,
    },
    log: logger.child({ component: 'wallet' }),
    // SPEC §8: stored (seq assigned), then pushed to subscriptions and webhooks, in order.
    events: (event) => notify.notifier.publish(event),
  });
  registerGauges(metrics, { keystore, wallet, clock });
  const services: RpcServices = {
    wallets: wallet,
    tokens: keystore.tokens,
    spends: keystore.tokens,
    backoff: keystore.tokens,
    audit: keystore.events,
    events: keystore.events,
    notifier: notify.notifier,
    sessions,
    clock,
    config,
    nodeInfo: async () => nodeInfoOf(config, wallet),
    portability: new PortabilityService({
      wallets: wallet, store: keystore.wallets, network: resolveNetwork(config.network, config.networkParams), clock,
      gapLimit: config.wallet.gapLimit, discoveryGap: config.wallet.discoveryGap, datadir: config.datadir, log: logger.child({ component: 'portability' }),
      // Secret keys are typed `unknown` by the schema helper; validation made them strings.
      backup: { dir: config.backup.dir, keep: config.backup.keep, passphrase: config.backup.passphrase as string | undefined },
    }),
  };
  const dispatcher = new RpcDispatcher(METHODS, services, {
    onCall: (method: string, outcome: string, seconds: number) => metrics.observeCall(method, outcome, seconds),
    onAuthFailure: () => metrics.observeAuthFailure(),
    logger: logger.child({ component: 'rpc' }),
  });
  return { clock, chain, wallet, metrics, dispatcher, services, notify };
}
