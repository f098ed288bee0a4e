/**
 * `auth {token}` (SPEC §4): a WebSocket's first message authenticates the connection without a
 * Bearer header. It is the one method callable without a token, so the dispatcher runs it before
 * its token check and it is kept out of METHODS (whose auth matrix requires a token everywhere).
 */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { TokenInfoSchema } from '../schemas.ts';
import { toWireConstraints } from '../tokens.ts';

/** Name of the pre-auth method. */
export const AUTH_METHOD_NAME = 'auth';

/** The `auth` entry of the method table. */
export const authMethod = defineMethod({
  name: AUTH_METHOD_NAME,
  summary: 'Authenticate this connection with a token (a WebSocket client\'s first message); returns the token\'s scopes',
  scope: 'any-token',
  positional: ['token'],
  params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
  result: TokenInfoSchema,
  // The dispatcher authenticates before this runs and hands over the new caller as ctx.token.
  handler: async ({ ctx }) => ({
    id: ctx.token.id,
    name: ctx.token.name,
    scopes: ctx.token.scopes,
    constraints: toWireConstraints(ctx.token.constraints),
  }),
});
