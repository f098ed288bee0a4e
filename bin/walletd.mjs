#!/usr/bin/env -S node --max-old-space-size=1024
// The daemon: compiled JavaScript from dist/ (see entry.mjs for the development fallback).
// The heap cap is how big V8 lets its heap grow before it collects: uncapped on a large machine,
// it lets garbage grow to ~4x the live heap, and a 100k-UTXO wallet's paged reads peaked at
// ~280 MiB of RSS; capped at 1 GiB they peak at ~210 (bench/results/profile-memory.md).
// `npm start`, the image's CMD and the test spawner pass the same flags (test/ops/heap-cap.test.ts).
import { run } from './entry.mjs';

await run('walletd');
