#!/usr/bin/env node
// The daemon: compiled JavaScript from dist/ (see entry.mjs for the development fallback).
import { run } from './entry.mjs';

await run('walletd');
