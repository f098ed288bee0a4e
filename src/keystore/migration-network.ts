/**
 * Migration 8 (issue 15): a keystore records the network it serves (SPEC §7), so a daemon started
 * with another network is refused instead of answering with keys of the wrong chain. A keystore
 * that already has wallets takes its first wallet's network; an empty one is stamped by the next
 * start (see keystore-network.ts).
 */
import type { Migration } from './migrations.ts';

/** Records `meta.network` from the wallets an upgraded keystore already holds. */
export const NETWORK_MIGRATION: Migration = {
  version: 8,
  description: 'the keystore records its network (meta.network); starting it on another one is NETWORK_MISMATCH',
  up: [
    `INSERT OR IGNORE INTO meta (key, value)
      SELECT 'network', network FROM wallets ORDER BY created_at, id LIMIT 1`,
  ],
};
