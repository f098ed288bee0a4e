/**
 * Token logic over the TokenStore port (SPEC §4): minting `wd_<id>_<secret>` tokens, checking
 * them in constant time, the subset rule for tokens that create tokens, and the admin token
 * file that the daemon writes on first start (like Bitcoin Core's `.cookie`).
 */
import crypto from 'node:crypto';
import { writeFileAtomic } from '../keystore/atomic-file.ts';
import { fail } from '../errors.ts';
import type { CallerToken } from './context.ts';
import type { TokenConstraints, TokenRecord, TokenStore } from './ports.ts';
import { SCOPES, type Scope } from './scopes.ts';
import type { WireConstraints } from './schemas.ts';
import { liveAncestors } from './lineage.ts';

const TOKEN_RE = /^wd_([0-9a-f]{8,32})_([0-9a-f]{64})$/;
// Compared against when the id is unknown, so a miss costs the same as a wrong secret.
const DUMMY_HASH = Buffer.alloc(32);

/** Hex SHA-256 of a token's secret part: the only thing the store keeps. */
export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** What token_create asks for. */
export interface TokenRequest {
  name: string;
  scopes: Scope[];
  constraints: TokenConstraints;
  createdBy: string | null;
  /** Only the daemon's own admin cookie sets this. */
  cookie?: boolean;
}

/** Creates and stores a token; the returned string is the only copy of its secret. */
export async function mintToken(
  store: TokenStore,
  req: TokenRequest,
  now: number = Date.now(),
): Promise<{ token: string; record: TokenRecord }> {
  const id = crypto.randomBytes(8).toString('hex');
  const secret = crypto.randomBytes(32).toString('hex');
  const record: TokenRecord = {
    id,
    name: req.name,
    secretHash: hashSecret(secret),
    scopes: [...new Set(req.scopes)],
    constraints: req.constraints,
    createdBy: req.createdBy,
    createdAt: now,
    revokedAt: null,
    ...(req.cookie ? { cookie: true } : {}),
  };
  await store.insertToken(record);
  return { token: `wd_${id}_${secret}`, record };
}

/** The caller view of a stored token (no hash); `ancestors` is its live chain of creators, nearest first. */
export function toCallerToken(record: TokenRecord, ancestors: CallerToken['ancestors'] = []): CallerToken {
  return {
    id: record.id, name: record.name, scopes: record.scopes, constraints: record.constraints, ancestors,
    ...(record.cookie ? { cookie: true } : {}),
  };
}

/**
 * Checks a token string: UNAUTHORIZED when malformed, unknown, wrong or revoked; TOKEN_EXPIRED
 * once past `expiresAt`. The hash comparison is constant-time, and runs even for unknown ids.
 */
export async function authenticateToken(store: TokenStore, token: string, now: number): Promise<CallerToken> {
  const match = TOKEN_RE.exec(token);
  if (!match) fail('UNAUTHORIZED');
  const [, id, secret] = match as unknown as [string, string, string];
  const record = await store.getToken(id);
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = record && /^[0-9a-f]{64}$/.test(record.secretHash) ? Buffer.from(record.secretHash, 'hex') : DUMMY_HASH;
  const equal = crypto.timingSafeEqual(given, stored);
  if (!record || !equal || record.revokedAt !== null) fail('UNAUTHORIZED');
  // SPEC §4: a revoked ancestor revokes the whole lineage below it.
  const ancestors = await liveAncestors(store, record);
  if (ancestors === null) fail('UNAUTHORIZED');
  if (record.constraints.expiresAt !== undefined && now >= record.constraints.expiresAt) fail('TOKEN_EXPIRED');
  return toCallerToken(record, ancestors);
}

/** Re-reads a session's token so a revocation or expiry takes effect on long-lived connections. */
export async function recheckToken(store: TokenStore, token: CallerToken, now: number): Promise<CallerToken> {
  const record = await store.getToken(token.id);
  if (!record || record.revokedAt !== null) fail('UNAUTHORIZED');
  const ancestors = await liveAncestors(store, record);
  if (ancestors === null) fail('UNAUTHORIZED');
  return assertNotExpired(toCallerToken(record, ancestors), now);
}

/** TOKEN_EXPIRED once `now` reaches the token's `expiresAt`; the token itself otherwise. No store read. */
export function assertNotExpired(token: CallerToken, now: number): CallerToken {
  if (token.constraints.expiresAt !== undefined && now >= token.constraints.expiresAt) fail('TOKEN_EXPIRED');
  return token;
}

const within = (child: number | undefined, parent: number | undefined) =>
  parent === undefined || (child !== undefined && child <= parent);
const subsetOf = (child: string[] | undefined, parent: string[] | undefined) =>
  parent === undefined || (child !== undefined && child.every((x) => parent.includes(x)));

/** Names the first scope or constraint of `requested` that exceeds `parent`, or null when it is a subset. */
export function subsetViolation(
  parent: Pick<CallerToken, 'scopes' | 'constraints'>,
  requested: { scopes: readonly Scope[]; constraints: TokenConstraints },
): string | null {
  if (!requested.scopes.every((s) => parent.scopes.includes(s))) return 'scopes';
  const p = parent.constraints;
  const c = requested.constraints;
  // An unset parent limit means unlimited; a set one must be matched or tightened.
  if (!subsetOf(c.wallets, p.wallets)) return 'wallets';
  if (!within(c.expiresAt, p.expiresAt)) return 'expiresAt';
  if (!within(c.maxSendPerTx, p.maxSendPerTx)) return 'maxSendPerTx';
  if (!within(c.maxSendPerDay, p.maxSendPerDay)) return 'maxSendPerDay';
  if (!subsetOf(c.allowedDestinations, p.allowedDestinations)) return 'allowedDestinations';
  if (!within(c.rateLimit, p.rateLimit)) return 'rateLimit';
  if (!within(c.maxFeeRate, p.maxFeeRate)) return 'maxFeeRate';
  return null;
}

/** SPEC §4: a token may only create tokens whose scopes and constraints are a subset of its own. */
export function isSubset(
  parent: Pick<CallerToken, 'scopes' | 'constraints'>,
  requested: { scopes: readonly Scope[]; constraints: TokenConstraints },
): boolean {
  return subsetViolation(parent, requested) === null;
}

/** Fills the limits a child token leaves unset with its parent's, so a child is never looser by omission. */
export function inheritConstraints(parent: TokenConstraints, child: TokenConstraints): TokenConstraints {
  const merged: TokenConstraints = { ...child };
  for (const key of Object.keys(parent) as (keyof TokenConstraints)[]) {
    if (merged[key] === undefined && parent[key] !== undefined) {
      (merged as Record<string, unknown>)[key] = parent[key];
    }
  }
  return merged;
}

/** Store form → wire form (`expiresAt` becomes an ISO-8601 string). */
export function toWireConstraints(c: TokenConstraints): WireConstraints {
  const { expiresAt, ...rest } = c;
  return expiresAt === undefined ? { ...rest } : { ...rest, expiresAt: new Date(expiresAt).toISOString() };
}

/** Wire form → store form (`expiresAt` becomes unix ms). */
export function fromWireConstraints(c: WireConstraints): TokenConstraints {
  const { expiresAt, ...rest } = c;
  return expiresAt === undefined ? { ...rest } : { ...rest, expiresAt: Date.parse(expiresAt) };
}

/**
 * SPEC §4: `admin.token` is a cookie, like Bitcoin Core's `.cookie`. Every start revokes the
 * previous cookies and writes a fresh one with every scope (mode 0600, atomically). Tokens a
 * cookie minted are roots, so they survive the rotation. `created` is always true.
 */
export async function ensureAdminToken(
  store: TokenStore,
  adminTokenPath: string,
  now: number = Date.now(),
): Promise<{ token: string; id: string; created: boolean }> {
  for (const old of await store.listTokens()) {
    if (old.cookie && old.revokedAt === null) await store.revokeToken(old.id, now);
  }
  const { token, record } = await mintToken(
    store, { name: 'admin-cookie', scopes: [...SCOPES], constraints: {}, createdBy: null, cookie: true }, now,
  );
  await writeFileAtomic(adminTokenPath, `${token}\n`, 0o600);
  return { token, id: record.id, created: true };
}
