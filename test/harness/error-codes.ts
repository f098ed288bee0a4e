/** The stable error code a call fails with (SPEC §6): tests assert codes, never message text. */
import { isWalletdError, type ErrorCode } from '../../src/errors.ts';

/** The WalletdError code `fn` throws, or 'none' when it returns; other errors propagate. */
export function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (err) {
    if (isWalletdError(err)) return err.code;
    throw err;
  }
}

/** The WalletdError code `p` rejects with, or 'none' when it resolves; other errors propagate. */
export async function rejectionCode(p: Promise<unknown>): Promise<ErrorCode | 'none'> {
  try {
    await p;
    return 'none';
  } catch (err) {
    if (isWalletdError(err)) return err.code;
    throw err;
  }
}
