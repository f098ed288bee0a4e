/**
 * Runs benchmark arms A, B, ... interleaved: every repeat runs each arm once, and the order
 * rotates from repeat to repeat, so drift on a shared machine lands on all arms alike.
 */

/** One side of a comparison. */
export interface Arm<T> {
  name: string;
  run: (repeat: number) => Promise<T>;
}

/** Runs `repeats` rounds of all arms in rotated order; returns each arm's results by repeat. */
export async function interleave<T>(arms: Array<Arm<T>>, repeats: number): Promise<Map<string, T[]>> {
  if (repeats < 3) throw new Error('a ratio needs at least 3 repeats');
  const out = new Map<string, T[]>(arms.map((a) => [a.name, []]));
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(i + r) % arms.length]!;
      out.get(arm.name)!.push(await arm.run(r));
    }
  }
  return out;
}

/** Wall time of `fn` in milliseconds, measured with the monotonic µs clock. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
