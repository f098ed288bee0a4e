/**
 * Builds the daemon's notifier from its config: events stored in the keystore, live fan-out, and
 * the configured webhooks with their dead-letter log in the data dir.
 */
import { join } from 'node:path';
import { ConfigError } from '../config/load-config.ts';
import type { WalletdConfig } from '../config/schema.ts';
import type { Keystore } from '../keystore/index.ts';
import { Notifier, type NotifierLog } from './notifier.ts';
import { DEAD_LETTER_FILE, WebhookSender, type WebhookLog, type WebhookOutcome } from './webhooks.ts';

/** Shortest webhook secret accepted: 128 bits of hex. */
export const MIN_SECRET_LENGTH = 32;

/** The notifier and, when any webhook is configured, its sender. */
export interface NotifyRuntime {
  notifier: Notifier;
  webhooks: WebhookSender | null;
}

/** Wires a Notifier over the keystore's event store; `deadLetterPath` defaults to the data dir's. */
export function createNotifier(deps: {
  config: WalletdConfig;
  keystore: Pick<Keystore, 'db' | 'events'>;
  clock: { now(): number };
  log?: NotifierLog & WebhookLog;
  deadLetterPath?: string;
  /** Counts webhook outcomes (for /metrics). */
  onWebhook?: (outcome: WebhookOutcome) => void;
  /** Called with each token whose subscriptions just expired, so its sockets can be closed. */
  onTokenExpired?: (tokenId: string) => void;
}): NotifyRuntime {
  const { config, keystore, clock, log } = deps;
  const n = config.notify;
  n.webhooks.forEach((hook, i) => {
    // Named by key, never by value (SPEC §2: a bad config fails at start and names the key).
    if (hook.secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`invalid config key notify.webhooks.${i}.secret: must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  });
  const webhooks =
    n.webhooks.length === 0
      ? null
      : new WebhookSender({
          targets: n.webhooks,
          settings: {
            maxAttempts: n.webhookMaxAttempts,
            retryBaseMs: n.webhookRetryBaseMs,
            retryMaxMs: n.webhookRetryMaxMs,
            timeoutMs: n.webhookTimeoutMs,
          },
          deadLetterPath: deps.deadLetterPath ?? join(config.datadir, DEAD_LETTER_FILE),
          clock,
          log,
          onOutcome: deps.onWebhook,
        });
  const notifier = new Notifier({
    store: keystore.events,
    clock,
    log,
    latestSeq: async () =>
      (await keystore.db.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events'))?.seq ?? 0,
    onStored: webhooks ? (event) => webhooks.deliver(event) : undefined,
    onTokenExpired: deps.onTokenExpired,
  });
  return { notifier, webhooks };
}
