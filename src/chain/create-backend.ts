/**
 * Builds the configured ChainBackend (SPEC §7 `chain` config): bitcoind, esplora, or none
 * (the daemon then runs as an offline signer and chain-only methods answer CHAIN_UNAVAILABLE).
 */
import { fail } from '../errors.ts';
import type { ChainBackend } from '../wallet/ports.ts';
import { BitcoindBackend } from './bitcoind-backend.ts';
import { EsploraBackend } from './esplora-backend.ts';

/** The `chain` section of the config, as far as building a backend needs it. */
export interface ChainBackendConfig {
  backend: 'bitcoind' | 'esplora' | 'none';
  url?: string;
  user?: string;
  password?: string;
  /** bitcoind's `.cookie`; exclusive with user/password. */
  cookieFile?: string;
  timeoutMs?: number;
}

/** Returns the backend for `cfg`, or null for `none`; a missing URL is INVALID_PARAMS. */
export function createChainBackend(cfg: ChainBackendConfig): ChainBackend | null {
  if (cfg.backend === 'none') return null;
  if (!cfg.url) fail('INVALID_PARAMS', `chain.url is required for the ${cfg.backend} backend`);
  if (cfg.backend === 'bitcoind') {
    if (cfg.cookieFile && (cfg.user || cfg.password)) {
      fail('INVALID_PARAMS', 'chain.cookieFile and chain.user/chain.password are exclusive: bitcoind uses one or the other');
    }
    return new BitcoindBackend({ url: cfg.url, user: cfg.user, password: cfg.password, cookieFile: cfg.cookieFile, timeoutMs: cfg.timeoutMs });
  }
  if (cfg.backend !== 'esplora') fail('INVALID_PARAMS', 'chain.backend must be bitcoind, esplora or none');
  if (cfg.cookieFile) fail('INVALID_PARAMS', 'chain.cookieFile is for the bitcoind backend only');
  // SPEC §7: esplora takes only `url`.
  return new EsploraBackend({ url: cfg.url, timeoutMs: cfg.timeoutMs });
}
