/**
 * `TokenStore` and `SpendLedger` over the SQLCipher keystore. Only the SHA-256 of a token's
 * secret is ever stored (SPEC §4).
 */
import type { Scope } from '../rpc/scopes.ts';
import type { PassphraseBackoffStore, SpendLedger, TokenConstraints, TokenRecord, TokenStore } from '../rpc/ports.ts';
import type { Database } from './database.ts';

interface TokenRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  constraints: string;
  created_by: string | null;
  created_at: number;
  revoked_at: number | null;
  cookie: number;
}

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id,
  name: r.name,
  secretHash: r.secret_hash,
  scopes: JSON.parse(r.scopes) as Scope[],
  constraints: JSON.parse(r.constraints) as TokenConstraints,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  ...(r.cookie ? { cookie: true } : {}),
});

/** First delay after a wrong passphrase, doubling per failure up to BACKOFF_MAX_MS (as UnlockManager). */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

/** Tokens, the per-token spend ledger and the passphrase backoff, over one SQLCipher connection. */
export class SqlTokenStore implements TokenStore, SpendLedger, PassphraseBackoffStore {
  constructor(private readonly db: Database) {}

  async insertToken(token: TokenRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO tokens (id, name, secret_hash, scopes, constraints, created_by, created_at, revoked_at, cookie)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        token.id, token.name, token.secretHash, JSON.stringify(token.scopes), JSON.stringify(token.constraints),
        token.createdBy, token.createdAt, token.revokedAt, token.cookie ? 1 : 0,
      ],
    );
  }

  async getToken(id: string): Promise<TokenRecord | null> {
    const row = await this.db.get<TokenRow>('SELECT * FROM tokens WHERE id = ?', [id]);
    return row ? toToken(row) : null;
  }

  /** Every token, revoked ones included, oldest first. */
  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.all<TokenRow>('SELECT * FROM tokens ORDER BY created_at, id');
    return rows.map(toToken);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    const r = await this.db.run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
    return r.changes > 0;
  }

  async recordSpend(tokenId: string, walletId: string, txid: string, amount: bigint, at: number): Promise<void> {
    if (amount < 0n) throw new RangeError('spend amount must not be negative');
    await this.db.run('INSERT INTO spend_ledger (token_id, wallet_id, txid, amount, at) VALUES (?, ?, ?, ?, ?)', [
      tokenId, walletId, txid, amount, at,
    ]);
  }

  async spentSince(tokenId: string, since: number): Promise<bigint> {
    const row = await this.db.get<{ total: number | null }>(
      'SELECT SUM(amount) AS total FROM spend_ledger WHERE token_id = ? AND at >= ?',
      [tokenId, since],
    );
    return BigInt(row?.total ?? 0);
  }

  async chargedFor(walletId: string, txid: string): Promise<string[]> {
    const rows = await this.db.all<{ token_id: string }>(
      'SELECT DISTINCT token_id FROM spend_ledger WHERE wallet_id = ? AND txid = ?',
      [walletId, txid],
    );
    return rows.map((r) => r.token_id);
  }

  async backoffUntil(walletId: string): Promise<number> {
    const row = await this.db.get<{ blocked_until: number }>('SELECT blocked_until FROM passphrase_backoff WHERE wallet_id = ?', [walletId]);
    return row?.blocked_until ?? 0;
  }

  async recordPassphraseFailure(walletId: string, now: number): Promise<number> {
    // One statement, so concurrent failures cannot lose a count.
    await this.db.run(
      `INSERT INTO passphrase_backoff (wallet_id, failures, blocked_until) VALUES (?, 1, ?)
        ON CONFLICT (wallet_id) DO UPDATE SET failures = failures + 1,
          blocked_until = ? + MIN(?, ? * (1 << MIN(failures, 30)))`,
      [walletId, now + BACKOFF_BASE_MS, now, BACKOFF_MAX_MS, BACKOFF_BASE_MS],
    );
    return this.backoffUntil(walletId);
  }

  async clearPassphraseFailures(walletId: string): Promise<void> {
    await this.db.run('DELETE FROM passphrase_backoff WHERE wallet_id = ?', [walletId]);
  }
}
