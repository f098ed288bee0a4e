/**
 * The one method table (SPEC §4, STYLE "declare each behaviour once"). Validation, scope checks,
 * rpc.discover, walletctl's subcommands and the auth test matrix are all derived from it.
 * Adding a method is one line here, next to its area's list.
 */
import type { AnyMethod } from './define-method.ts';
import { FEE_BUMP_METHODS } from './methods/fee-bump-methods.ts';
import { PSBT_METHODS } from './methods/psbt-methods.ts';
import { NODE_METHODS } from './methods/node-methods.ts';
import { NOTIFY_METHODS } from './methods/notify-methods.ts';
import { PORTABILITY_METHODS } from './methods/portability-methods.ts';
import { RECON_METHODS } from './methods/recon-methods.ts';
import { SECURITY_METHODS } from './methods/security-methods.ts';
import { SPEND_METHODS } from './methods/spend-methods.ts';
import { TOKEN_METHODS } from './methods/token-methods.ts';
import { WALLET_METHODS } from './methods/wallet-methods.ts';

// Kept un-annotated so each entry's literal name and schemas survive for `MethodEntry`.
const TABLE = [
  ...WALLET_METHODS,
  ...RECON_METHODS,
  ...SPEND_METHODS,
  ...FEE_BUMP_METHODS,
  ...PSBT_METHODS,
  ...SECURITY_METHODS,
  ...PORTABILITY_METHODS,
  ...TOKEN_METHODS,
  ...NODE_METHODS,
  ...NOTIFY_METHODS,
];

/** Every JSON-RPC method walletd serves. */
export const METHODS: readonly AnyMethod[] = TABLE;

/** The union of the table's entries with their literal names and schemas (the typed client's source). */
export type MethodEntry = (typeof TABLE)[number];
