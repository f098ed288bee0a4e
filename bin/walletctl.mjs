#!/usr/bin/env node
// The CLI client: compiled JavaScript from dist/ (see entry.mjs for the development fallback).
import { run } from './entry.mjs';

await run('walletctl');
