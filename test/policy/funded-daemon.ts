/** A real daemon on a regtest node with one wallet holding six confirmed 1,000,000-sat coins, and a node address to pay. */
import { ok, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';

/** Starts the daemon (with extra `env`), funds a wallet named `name` and waits until the coins are confirmed. */
export async function fundedDaemon(
  node: RegtestNode, name: string, env: Record<string, string> = {},
): Promise<{ d: RunningDaemon; wallet: string; dest: string }> {
  const d = await startChainDaemon(node, undefined, env);
  const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name })).id;
  const { address } = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet });
  for (let i = 0; i < 6; i++) await node.fund(address, 1_000_000n);
  await node.mine(1);
  await until(() => ok<{ confirmed: number }>(d, d.adminToken, 'get_balance', { wallet }), (b) => b.confirmed === 6_000_000);
  return { d, wallet, dest: await node.rpc<string>('getnewaddress') };
}
