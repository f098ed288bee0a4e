/**
 * The confirmation prompt before walletctl moves money (issue 15): sends, bumps and cancels ask
 * on a TTY, and `--yes` or a non-TTY stdin (scripts, pipes, cron) skip it.
 */
import { createInterface } from 'node:readline';
import { UsageError } from './walletctl-schema.ts';

/** Methods that ask first, keyed on names so methods landing from other branches join by name. */
export const CONFIRM_METHODS = new Set(['send_transaction', 'send_all', 'bump_fee', 'cancel_transaction']);

/** Whether a call must be confirmed: a money-moving method, on a TTY, without `--yes`, not a dry run. */
export function needsConfirmation(method: string, opts: { yes: boolean; stdinIsTTY: boolean; params: Record<string, unknown> }): boolean {
  return CONFIRM_METHODS.has(method) && !opts.yes && opts.stdinIsTTY && opts.params.dryRun !== true;
}

/** One line per param, so the person sees what they are about to send. */
export function confirmationText(method: string, params: Record<string, unknown>): string {
  const lines = Object.entries(params).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${method}\n${lines.join('\n') || '  (no params)'}\nProceed? [y/N] `;
}

/** Asks on the TTY; anything but y/yes is a refusal (exit 2, nothing sent). */
export async function confirmOnTty(method: string, params: Record<string, unknown>): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const answer = await new Promise<string>((resolve) => {
    rl.once('close', () => resolve(''));
    rl.question(confirmationText(method, params), resolve);
  });
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(`${method} not confirmed; nothing was sent (--yes skips the prompt)`);
}
