#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step (SPEC §9).
// tsx's compile cache lives in the shared temp folder, where another local user could plant a
// compiled module (issue 12): the cache is off before tsx loads, for this process and its children.
process.env.TSX_DISABLE_CACHE = '1';
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/walletctl.ts');
