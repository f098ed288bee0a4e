#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step (SPEC §9).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/walletctl.ts');
