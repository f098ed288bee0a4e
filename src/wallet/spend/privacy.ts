/**
 * What keeps the wallet's transactions from standing out, as Bitcoin Core's wallet does it:
 * anti-fee-sniping nLockTime, inputs in random order, change at a random position, and one
 * output per destination.
 */
import { randomInt } from 'node:crypto';
import { fail } from '../../errors.ts';

/** A source of uniform integers in [0, max), injectable so tests can pin both branches. */
export type RandomInt = (max: number) => number;

/** The default: a CSPRNG, so the choices cannot be predicted from earlier transactions. */
export const secureRandomInt: RandomInt = (max) => randomInt(max);

/**
 * Core's DiscourageFeeSniping: nLockTime at the tip, so a miner re-mining the tip cannot take
 * this fee; one time in ten up to 99 blocks earlier, so delayed broadcasts (mixers, offline
 * signers) do not stand out. 0 when the tip is unknown. Inputs must not be final for nLockTime to
 * count: walletd's BIP125 nSequence 0xfffffffd enables it.
 */
export function antiFeeSnipingLocktime(tipHeight: number | null, random: RandomInt = secureRandomInt): number {
  if (tipHeight === null || tipHeight <= 0) return 0;
  let locktime = tipHeight;
  if (random(10) === 0) locktime = Math.max(0, locktime - random(100));
  return locktime;
}

/**
 * The inputs in a uniformly random order (Fisher-Yates), as Core shuffles the selected coins: in
 * selection order they would tell which algorithm picked them and which coin came first.
 */
export function shuffled<T>(items: readonly T[], random: RandomInt = secureRandomInt): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Where the change output goes among `recipients + 1` outputs: uniform, as Core's GetRandInt(vout.size() + 1). */
export function changePosition(recipients: number, random: RandomInt = secureRandomInt): number {
  return random(recipients + 1);
}

/** Refuses DUPLICATE_DESTINATION when two outputs pay the same script (any spelling of one address). */
export function assertDistinctDestinations(outputs: ReadonlyArray<{ script: string }>): void {
  const seen = new Map<string, number>();
  outputs.forEach((o, i) => {
    const first = seen.get(o.script);
    if (first !== undefined) fail('DUPLICATE_DESTINATION', undefined, { field: `outputs/${i}/address`, firstIndex: first, index: i });
    seen.set(o.script, i);
  });
}
