/**
 * SPEC §5: a `wallet` param takes a wallet id or its unique name. The dispatcher rewrites a name
 * to its id before the binding check and the handler, so every method and every client gains.
 */
import { fail } from '../errors.ts';
import type { WalletApi } from '../wallet/wallet-api.ts';
import type { CallerToken } from './context.ts';

/** The shape of the ids walletd mints (`w_` and 12 hex digits): such a value is taken as an id, with no lookup. */
const ID_SHAPE = /^w_[0-9a-f]{12}$/;

/** The wallet id `value` names among the wallets `token` may see; `value` itself when it names none. */
export async function walletIdOf(value: string, token: CallerToken, wallets: Pick<WalletApi, 'listWallets'>): Promise<string> {
  if (ID_SHAPE.test(value)) return value;
  const bound = token.constraints.wallets;
  // Only the wallets this token may see: a bound token learns nothing of the others' names or ids.
  const visible = (await wallets.listWallets()).filter((w) => !bound || bound.includes(w.id));
  if (visible.some((w) => w.id === value)) return value;
  const named = visible.filter((w) => w.name === value);
  if (named.length > 1) {
    fail('WALLET_AMBIGUOUS', `${named.length} wallets are named ${JSON.stringify(value)}; give the wallet id`, {
      wallet: value,
      wallets: named.map((w) => w.id),
    });
  }
  // None: the value goes on as an id, and the method answers WALLET_NOT_FOUND as for any unknown id.
  return named[0]?.id ?? value;
}

/**
 * Raw JSON-RPC params (by name or by position) with a wallet name replaced by its id; the same
 * object when there is nothing to resolve.
 */
export async function resolveWalletParam(
  raw: unknown, positional: readonly string[] | undefined, token: CallerToken, wallets: Pick<WalletApi, 'listWallets'>,
): Promise<unknown> {
  if (Array.isArray(raw)) {
    const at = positional?.indexOf('wallet') ?? -1;
    const value: unknown = at >= 0 ? raw[at] : undefined;
    if (typeof value !== 'string') return raw;
    const id = await walletIdOf(value, token, wallets);
    return id === value ? raw : raw.map((v, i) => (i === at ? id : v));
  }
  if (typeof raw !== 'object' || raw === null) return raw;
  const value = (raw as { wallet?: unknown }).wallet;
  if (typeof value !== 'string') return raw;
  const id = await walletIdOf(value, token, wallets);
  return id === value ? raw : { ...raw, wallet: id };
}
