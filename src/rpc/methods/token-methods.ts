/** Token administration and the audit log (SPEC §4). No result ever carries a secret or its hash. */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import type { TokenRecord } from '../ports.ts';
import {
  AuditEntrySchema, ScopeSchema, TokenConstraintsSchema, TokenCreatedSchema, TokenInfoSchema, TokenListEntrySchema,
} from '../schemas.ts';
import type { CallerToken } from '../context.ts';
import {
  fromWireConstraints, inheritConstraints, mintToken, subsetViolation, toWireConstraints,
} from '../tokens.ts';
import { descendantIds, isAncestor, revokeLineage } from '../lineage.ts';
import { WS_TOKEN_REVOKED } from '../live-sessions.ts';

const strict = { additionalProperties: false } as const;
const iso = (ms: number) => new Date(ms).toISOString();

/** The wire view of a caller's own token. */
export function tokenInfoOf(token: CallerToken) {
  return { id: token.id, name: token.name, scopes: token.scopes, constraints: toWireConstraints(token.constraints) };
}

function listEntryOf(record: TokenRecord) {
  return {
    ...tokenInfoOf(record),
    createdBy: record.createdBy,
    createdAt: iso(record.createdAt),
    revokedAt: record.revokedAt === null ? null : iso(record.revokedAt),
  };
}

/** The `token_create` entry of the method table. */
export const tokenCreate = defineMethod({
  name: 'token_create',
  summary: "Create a token whose scopes and constraints are a subset of the caller's; the token is shown once",
  scope: 'tokens:admin',
  audited: true,
  params: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 128, examples: ['pos-terminal'] }),
      scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 16, examples: [['wallet:read']] }),
      constraints: Type.Optional(TokenConstraintsSchema),
    },
    strict,
  ),
  result: TokenCreatedSchema,
  handler: async ({ params, ctx }) => {
    const now = ctx.services.clock.now();
    const requested = fromWireConstraints(params.constraints ?? {});
    if (requested.expiresAt !== undefined && requested.expiresAt <= now) {
      fail('INVALID_PARAMS', 'expiresAt is in the past', { field: 'constraints.expiresAt' });
    }
    // A child leaves a limit unset → it gets the parent's, so omission never widens it.
    const constraints = inheritConstraints(ctx.token.constraints, requested);
    const violation = subsetViolation(ctx.token, { scopes: params.scopes, constraints });
    if (violation) fail('FORBIDDEN_SCOPE', `Requested ${violation} exceed this token's own`, { field: violation });
    const { token, record } = await mintToken(
      ctx.services.tokens,
      // SPEC §4: the cookie is replaced at every start, so what it mints must not hang off it.
      { name: params.name, scopes: params.scopes, constraints, createdBy: ctx.token.cookie ? null : ctx.token.id },
      now,
    );
    return { token, ...tokenInfoOf(record) };
  },
});

/** The `token_list` entry of the method table. */
export const tokenList = defineMethod({
  name: 'token_list',
  summary: 'Every token with its scopes, constraints, creator and revocation time (never a secret)',
  scope: 'tokens:admin',
  params: Type.Object({}, strict),
  result: Type.Array(TokenListEntrySchema),
  handler: async ({ ctx }) => {
    const all = await ctx.services.tokens.listTokens();
    if (!ctx.token.constraints.wallets) return all.map(listEntryOf);
    // SPEC §4: a wallet-bound token sees only itself and what it minted.
    const own = new Set([ctx.token.id, ...descendantIds(all, ctx.token.id)]);
    return all.filter((t) => own.has(t.id)).map(listEntryOf);
  },
});

/** Ids of the caller's own lineage below it (itself and its descendants), for bound-token views. */
async function ownLineage(ctx: { token: CallerToken; services: { tokens: { listTokens(): Promise<TokenRecord[]> } } }) {
  return new Set([ctx.token.id, ...descendantIds(await ctx.services.tokens.listTokens(), ctx.token.id)]);
}

/** The `token_revoke` entry of the method table. */
export const tokenRevoke = defineMethod({
  name: 'token_revoke',
  summary: 'Revoke a token and every token it minted; never an ancestor of the caller, nor a token more powerful than it',
  scope: 'tokens:admin',
  errors: ['TOKEN_NOT_FOUND'],
  audited: true,
  positional: ['id'],
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, examples: ['0123456789abcdef'] }) }, strict),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    const all = await ctx.services.tokens.listTokens();
    const target = all.find((t) => t.id === params.id);
    if (!target || target.revokedAt !== null) fail('TOKEN_NOT_FOUND', undefined, { id: params.id });
    const self = all.find((t) => t.id === ctx.token.id);
    const mine = target.id === ctx.token.id || descendantIds(all, ctx.token.id).includes(target.id);
    if (!mine) {
      // SPEC §4: never an ancestor, whatever the rights (a same-rights child could otherwise
      // revoke its creator, the operator's token included).
      if (self && isAncestor(all, self, target.id)) {
        fail('FORBIDDEN_SCOPE', 'A token cannot revoke its own ancestor', { id: params.id });
      }
      // A bound token acts only within its own lineage; an unbound one never on a stronger token.
      if (ctx.token.constraints.wallets || subsetViolation(ctx.token, target) !== null) {
        fail('FORBIDDEN_SCOPE', 'Cannot revoke a token outside the caller\'s reach', { id: params.id });
      }
    }
    const revoked = await revokeLineage(ctx.services.tokens, params.id, ctx.services.clock.now());
    if (revoked.length === 0) fail('TOKEN_NOT_FOUND', undefined, { id: params.id });
    // Live WebSocket subscriptions would otherwise keep pushing events to a revoked lineage.
    for (const id of revoked) ctx.services.notifier?.dropToken(id);
    // ...and the sockets themselves end, so a client sees the revoke instead of a silent stream.
    ctx.services.sessions?.endTokens(revoked, WS_TOKEN_REVOKED);
    return true as const;
  },
});

/** The `token_info` entry of the method table. */
export const tokenInfo = defineMethod({
  name: 'token_info',
  summary: "The caller's own token: id, name, scopes and constraints",
  scope: 'any-token',
  params: Type.Object({}, strict),
  result: TokenInfoSchema,
  handler: async ({ ctx }) => tokenInfoOf(ctx.token),
});

/** The `get_audit_log` entry of the method table. */
export const getAuditLog = defineMethod({
  name: 'get_audit_log',
  summary: 'State-changing calls, newest first: time, token id, method, wallet, outcome and txid',
  scope: 'tokens:admin',
  positional: ['limit', 'beforeId'],
  params: Type.Object(
    {
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
      beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    strict,
  ),
  result: Type.Array(AuditEntrySchema),
  handler: async ({ params, ctx }) => {
    const rows = await ctx.services.audit.listAudit({
      limit: params.limit ?? 50,
      ...(params.beforeId !== undefined ? { beforeId: params.beforeId } : {}),
    });
    const bound = ctx.token.constraints.wallets;
    const own = bound ? await ownLineage(ctx) : null;
    return rows
      .filter((r) => !bound || ((r.walletId === null || bound.includes(r.walletId)) && r.tokenId !== null && own!.has(r.tokenId)))
      .map((r) => ({
        id: r.id ?? null, at: iso(r.at), tokenId: r.tokenId, method: r.method, wallet: r.walletId, outcome: r.outcome, txid: r.txid,
      }));
  },
});

/** The token entries of the method table. */
export const TOKEN_METHODS = [tokenCreate, tokenList, tokenRevoke, tokenInfo, getAuditLog];
