/**
 * The auth matrix (STYLE): every method of the table against no token, a token without its
 * scope, a token with it, an expired token, and a token bound to another wallet.
 */
import { describe, expect, it } from 'vitest';
import type { JSONRPCErrorResponse, JSONRPCResponse } from 'json-rpc-2.0';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { ANY_TOKEN, SCOPES, type Scope } from '../../src/rpc/scopes.ts';
import { fakeServices, makeToken, session } from './fakes.ts';
import { sampleParams } from './sample-params.ts';

const AUTH_CODES = ['UNAUTHORIZED', 'FORBIDDEN_SCOPE', 'TOKEN_EXPIRED'];

async function setup() {
  const f = fakeServices();
  const dispatcher = new RpcDispatcher(METHODS, f.services);
  return { ...f, dispatcher };
}

async function call(d: RpcDispatcher, s: ReturnType<typeof session>, method: string, params: unknown) {
  return (await d.handle({ jsonrpc: '2.0', id: 1, method, params }, s)) as JSONRPCResponse;
}

/** Params that must name the caller itself to succeed with nothing but the method's scope. */
function selfReferring(name: string, callerId: string): Record<string, unknown> {
  if (name === 'token_create') return { scopes: ['tokens:admin'] }; // a subset of the caller's own
  if (name === 'token_revoke') return { id: callerId }; // a token may always revoke itself
  return {};
}

const codeOf = (r: JSONRPCResponse) => (r as JSONRPCErrorResponse).error?.data?.code as string | undefined;

describe('auth matrix (generated from METHODS)', () => {
  it('covers every method of the table', () => {
    expect(METHODS.length).toBeGreaterThanOrEqual(24);
  });

  for (const method of METHODS) {
    describe(method.name, () => {
      const params = sampleParams(method);
      const transport = method.websocketOnly ? 'ws' : 'http';

      it('no token → UNAUTHORIZED', async () => {
        const { dispatcher } = await setup();
        const res = await call(dispatcher, session(null, transport), method.name, params);
        expect(codeOf(res)).toBe('UNAUTHORIZED');
        expect((res as JSONRPCErrorResponse).error.code).toBe(-32001);
      });

      it('token without the scope → FORBIDDEN_SCOPE (or allowed for any-token methods)', async () => {
        const { dispatcher, stores } = await setup();
        const others = SCOPES.filter((s) => s !== method.scope) as Scope[];
        const { caller } = await makeToken(stores, others);
        const res = await call(dispatcher, session(caller, transport), method.name, params);
        if (method.scope === ANY_TOKEN) expect(AUTH_CODES).not.toContain(codeOf(res));
        else expect(codeOf(res)).toBe('FORBIDDEN_SCOPE');
      });

      it('token with only the scope → not an auth error, and the result matches its schema', async () => {
        const { dispatcher, stores } = await setup();
        const scopes = method.scope === ANY_TOKEN ? [] : [method.scope as Scope];
        const { caller } = await makeToken(stores, scopes);
        const s = session(caller, transport);
        s.selectedWallet = 'w1';
        const res = await call(dispatcher, s, method.name, { ...params, ...selfReferring(method.name, caller.id) });
        expect(res.error).toBeUndefined();
        const entry = dispatcher.registry.byName.get(method.name)!;
        expect(entry.result.Check(res.result)).toBe(true);
      });

      it('expired token → TOKEN_EXPIRED', async () => {
        const { dispatcher, stores, clock } = await setup();
        const { caller } = await makeToken(stores, [...SCOPES], { expiresAt: clock.now() - 1 });
        const res = await call(dispatcher, session(caller, transport), method.name, params);
        expect(codeOf(res)).toBe('TOKEN_EXPIRED');
      });

      const takesWallet = 'wallet' in method.params.properties;
      if (takesWallet) it('token bound to another wallet → FORBIDDEN_SCOPE', async () => {
        const { dispatcher, stores } = await setup();
        const { caller } = await makeToken(stores, [...SCOPES], { wallets: ['w1'] });
        const explicit = await call(dispatcher, session(caller, transport), method.name, { ...params, wallet: 'w2' });
        expect(codeOf(explicit)).toBe('FORBIDDEN_SCOPE');
        expect((explicit as JSONRPCErrorResponse).error.data.wallet).toBe('w2');
        if (method.params.required?.includes('wallet')) return;
        // A connection whose selection names another wallet is refused too.
        const s = session(caller, transport);
        s.selectedWallet = 'w2';
        const { wallet: _w, ...rest } = params;
        const selected = await call(dispatcher, s, method.name, rest);
        expect(codeOf(selected)).toBe('FORBIDDEN_SCOPE');
      });
    });
  }
});
