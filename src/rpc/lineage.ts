/**
 * Token lineage (SPEC §4): every token but a root names the token that minted it (`createdBy`).
 * A token is live only while it and every ancestor are; revocation cascades to descendants;
 * budgets and rate limits are charged up the chain; a token never revokes an ancestor.
 */
import type { TokenConstraints, TokenRecord, TokenStore } from './ports.ts';

/** Far deeper than any real delegation chain; a cap so a corrupt cycle cannot loop forever. */
const MAX_DEPTH = 64;

/** What a check needs of an ancestor: its id and its limits. */
export interface AncestorToken {
  id: string;
  constraints: TokenConstraints;
}

/**
 * The ancestors of `record`, nearest first, or null when any of them is missing, revoked or
 * part of a cycle: then the token itself is dead (revocation cascades by this check even for a
 * child minted while its parent was being revoked).
 */
export async function liveAncestors(store: TokenStore, record: TokenRecord): Promise<AncestorToken[] | null> {
  const chain: AncestorToken[] = [];
  const seen = new Set([record.id]);
  let parentId = record.createdBy;
  while (parentId !== null) {
    if (seen.has(parentId) || chain.length >= MAX_DEPTH) return null;
    seen.add(parentId);
    const parent = await store.getToken(parentId);
    if (!parent || parent.revokedAt !== null) return null;
    chain.push({ id: parent.id, constraints: parent.constraints });
    parentId = parent.createdBy;
  }
  return chain;
}

/** Ids of every token descended from `rootId` (not `rootId` itself), over a full token list. */
export function descendantIds(tokens: readonly TokenRecord[], rootId: string): string[] {
  const children = new Map<string, string[]>();
  for (const t of tokens) {
    if (t.createdBy === null) continue;
    const list = children.get(t.createdBy) ?? [];
    list.push(t.id);
    children.set(t.createdBy, list);
  }
  const out: string[] = [];
  const seen = new Set([rootId]);
  const queue = [rootId];
  while (queue.length > 0) {
    for (const kid of children.get(queue.shift()!) ?? []) {
      if (seen.has(kid)) continue;
      seen.add(kid);
      out.push(kid);
      queue.push(kid);
    }
  }
  return out;
}

/** True when `maybeAncestorId` is on `record`'s chain of creators. */
export function isAncestor(tokens: readonly TokenRecord[], record: TokenRecord, maybeAncestorId: string): boolean {
  const byId = new Map(tokens.map((t) => [t.id, t]));
  const seen = new Set<string>();
  let cur = record.createdBy;
  while (cur !== null && !seen.has(cur)) {
    if (cur === maybeAncestorId) return true;
    seen.add(cur);
    cur = byId.get(cur)?.createdBy ?? null;
  }
  return false;
}

/** Revokes `id` and every descendant that is still active; returns the ids newly revoked. */
export async function revokeLineage(store: TokenStore, id: string, at: number): Promise<string[]> {
  const all = await store.listTokens();
  const revoked: string[] = [];
  for (const target of [id, ...descendantIds(all, id)]) {
    if (await store.revokeToken(target, at)) revoked.push(target);
  }
  return revoked;
}
