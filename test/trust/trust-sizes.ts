/**
 * Sizes of the trust suite (issue 16): the short defaults run in `npm test`, and
 * `npm run test:trust` (vitest.trust.config.ts) sets the long ones through the same variables.
 */

/** A positive integer from `name`, or `fallback` when unset or not a positive integer. */
export function trustSize(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
