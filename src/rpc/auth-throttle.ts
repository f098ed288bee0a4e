/**
 * Failed-authentication throttle (SPEC §4): each failure from a source delays that answer by a
 * fixed penalty, as Bitcoin Core sleeps 250 ms after a bad RPC password. Failures from one
 * source queue behind each other, so parallel guessing gains nothing: at most 1000/penaltyMs
 * wrong tokens per second per source.
 */

/** Ids parse from `wd_<id>_…` even when the secret is wrong; never anything more of the token. */
const ID_RE = /^wd_([0-9a-f]{8,32})_/;

/** The id part of a presented token, for logs, or null when it does not parse. */
export function presentedTokenId(token: string | undefined): string | null {
  const m = token === undefined ? null : ID_RE.exec(token.replace(/^Bearer\s+/i, '').trim());
  return m ? m[1]! : null;
}

/** Per-source penalty queue. */
export class AuthThrottle {
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly penaltyMs: number = 250) {}

  /** Resolves once this failure's penalty has passed, after every earlier failure of `source`. */
  penalize(source: string): Promise<void> {
    const now = Date.now();
    const start = Math.max(now, this.nextFree.get(source) ?? 0);
    const until = start + this.penaltyMs;
    this.nextFree.set(source, until);
    return new Promise((resolve) => {
      setTimeout(() => {
        // Forget idle sources, so the map does not grow with every address ever seen.
        if (this.nextFree.get(source) === until) this.nextFree.delete(source);
        resolve();
      }, until - now).unref?.();
    });
  }
}
