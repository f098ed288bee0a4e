/**
 * The keystore's network (SPEC §7): stamped at the first start, checked at every later one. The
 * identity is the network name plus its bech32 prefix, because custom `networkParams` on
 * `regtest` (litecoind's `rltc`, Core's `bcrt`) are different chains under one name.
 */
import { fail } from '../errors.ts';
import type { Database } from './database.ts';

/** What a keystore is for. */
export interface KeystoreNetwork {
  name: string;
  bech32: string;
}

function describe(n: { name: string; bech32?: string | undefined }): string {
  return n.bech32 ? `${n.name} (bech32 ${n.bech32})` : n.name;
}

/**
 * Stamps `network` on a keystore that has none yet; throws NETWORK_MISMATCH, naming both, when the
 * keystore was made for another one. A stamp without a bech32 prefix (from migration 8) takes it now.
 */
export async function checkKeystoreNetwork(db: Database, running: KeystoreNetwork, where: string): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.all<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('network', 'network.bech32')");
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    const name = stored.get('network');
    const bech32 = stored.get('network.bech32');
    if (name !== undefined && (name !== running.name || (bech32 !== undefined && bech32 !== running.bech32))) {
      const was = { name, bech32: bech32 ?? '' };
      fail(
        'NETWORK_MISMATCH',
        `keystore in ${where} was created for ${describe(was)}; this walletd runs ${describe(running)}. Use one data dir per network, or start with --network ${name}`,
        { keystoreNetwork: name, keystoreBech32: bech32 ?? null, network: running.name, bech32: running.bech32 },
      );
    }
    if (name === undefined) await tx.run("INSERT INTO meta (key, value) VALUES ('network', ?)", [running.name]);
    if (bech32 === undefined) await tx.run("INSERT INTO meta (key, value) VALUES ('network.bech32', ?)", [running.bech32]);
  });
}
