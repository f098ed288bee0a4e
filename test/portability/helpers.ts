/** Offline stacks (real keystore, no chain) for the portability tests, and small assertions. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKeystore, type Keystore } from '../../src/keystore/index.ts';
import { PortabilityService, type PortabilityDeps } from '../../src/portability/portability-service.ts';
import { isWalletdError, type WalletdError } from '../../src/errors.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import type { ChainBackend, Clock } from '../../src/wallet/ports.ts';
import type { ScryptParams } from '../../src/wallet/secrets/seed-vault.ts';
import type { Network, NetworkName } from '../../src/wallet/types.ts';
import { WalletService } from '../../src/wallet/wallet-service.ts';
import { TEST_SETTINGS } from '../integration/service-harness.ts';

/** A cheap scrypt cost so tests stay fast; the default is exercised once in bundle.test.ts. */
export const FAST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

/** The BIP-84 vector mnemonic ("abandon ... about"). */
export const ABANDON = `${'abandon '.repeat(11)}about`;
/** A second valid 12-word mnemonic (BIP-39 vector 0x7f…). */
export const LEGAL = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

/** A third valid 12-word mnemonic (BIP-39 vector 0xff…). */
export const ZOO = `${'zoo '.repeat(11)}wrong`;

/** A clock the test can move; timers are inert unless `fire()` is called. */
export class TestClock implements Clock {
  timers: Array<{ at: number; fn: () => void }> = [];
  constructor(public t = Date.UTC(2030, 0, 1)) {}
  now() {
    return this.t;
  }
  setTimer(ms: number, fn: () => void) {
    const entry = { at: this.t + ms, fn };
    this.timers.push(entry);
    return () => {
      this.timers = this.timers.filter((e) => e !== entry);
    };
  }
  /** Advances time and runs the timers that came due. */
  advance(ms: number) {
    this.t += ms;
    const due = this.timers.filter((e) => e.at <= this.t);
    this.timers = this.timers.filter((e) => e.at > this.t);
    for (const e of due) e.fn();
  }
}

/** A wallet service + portability service over a fresh keystore. */
export interface Stack {
  datadir: string;
  keystore: Keystore;
  service: WalletService;
  portability: PortabilityService;
  network: Network;
  clock: TestClock;
  close(): Promise<void>;
}

/** Opens a stack; `chain` null makes an offline signer. */
export async function openStack(opts: {
  network?: NetworkName;
  networkParams?: Parameters<typeof resolveNetwork>[1];
  chain?: ChainBackend | null;
  backup?: Partial<PortabilityDeps['backup']>;
  beforeRename?: PortabilityDeps['beforeRename'];
  datadir?: string;
} = {}): Promise<Stack> {
  const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), 'walletd-port-'));
  const keystore = await openKeystore({ datadir });
  const network = resolveNetwork(opts.network ?? 'regtest', opts.networkParams);
  const clock = new TestClock();
  const service = new WalletService({ store: keystore.wallets, clock, network, chain: opts.chain ?? null, settings: TEST_SETTINGS });
  const portability = new PortabilityService({
    wallets: service, store: keystore.wallets, network, clock, gapLimit: TEST_SETTINGS.gapLimit, discoveryGap: TEST_SETTINGS.discoveryGap, datadir,
    backup: { keep: 10, ...opts.backup }, scrypt: FAST_SCRYPT, beforeRename: opts.beforeRename,
  });
  return {
    datadir, keystore, service, portability, network, clock,
    async close() {
      await service.stop();
      await keystore.close();
      if (!opts.datadir) rmSync(datadir, { recursive: true, force: true });
    },
  };
}

/** The WalletdError a promise rejects with (fails the test if it resolves or throws anything else). */
export async function rejection(p: Promise<unknown>): Promise<WalletdError> {
  try {
    await p;
  } catch (err) {
    if (isWalletdError(err)) return err;
    throw err;
  }
  throw new Error('expected a WalletdError');
}
