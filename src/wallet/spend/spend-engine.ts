/**
 * Spending: send, sweep, sign and cancel. One send at a time per wallet (an in-process mutex),
 * coins leased in the keystore while a draft is outstanding, fees and size checked against
 * policy before any signature, and idempotency keys so a retried send never pays twice.
 */
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { fail, isWalletdError } from '../../errors.ts';
import { validateAddress } from '../keys/address-validation.ts';
import { accountPath, deriveAccountSigner } from '../keys/hd.ts';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import { finalizePsbt, psbtFromBase64, signPsbt } from '../secrets/psbt-signer.ts';
import { cancelTransaction, type CancelTxRequest } from './cancel.ts';
import { bumpFee } from './fee-bump.ts';
import { createFundedPsbt } from './psbt-funder.ts';
import type { SpendKit } from './spend-kit.ts';
import { annotateWalletInputs, buildPsbt } from './tx-builder.ts';
import type { LedgerCoin } from '../ledger/ledger-types.ts';
import { Broadcaster } from './broadcaster.ts';
import { checkPsbtFeeCaps, resolveFeeRate } from './fee-policy.ts';
import { antiFeeSnipingLocktime, secureRandomInt, shuffled, type RandomInt } from './privacy.ts';
import { replaySend, requestHash } from './replay.ts';
import { SendPlanner, type Prepared, type SendSpec } from './send-planner.ts';
import type { WalletSettings } from '../settings.ts';
import type { AddressRecord, Network, TxStatus, WalletRecord } from '../types.ts';
import type {
  BumpRequest, BumpResult, CreatePsbtRequest, CreatePsbtResult, DryRunResult, SendAllRequest, SendOptions, SendRequest, SendResult,
  SignRequest, SignResult,
} from '../wallet-api.ts';

interface SpendDeps {
  store: WalletStore;
  chain: ChainBackend | null;
  clock: Clock;
  network: Network;
  settings: WalletSettings;
  withSeed<T>(wallet: WalletRecord, fn: (seed: Uint8Array) => T | Promise<T>): Promise<T>;
  tipHeight(): number | null;
  refresh(walletId: string): void;
  /** Issues the next address on `chain`, serialized with generate_address. */
  issueAddress(wallet: WalletRecord, chain: 0 | 1, label: string | null): Promise<AddressRecord>;
  /** Emits `tx` and `balance` events for a transaction the wallet just recorded. */
  announce(walletId: string, txid: string, status: TxStatus, links?: { replacedBy?: string; conflictedBy?: string }): Promise<void>;
  /** Randomness for locktime and change position; tests may pin it. */
  random?: RandomInt;
}

/** A coin with its derivation, as tx-builder wants it. */
type Coin = Pick<LedgerCoin, 'txid' | 'vout' | 'value' | 'script' | 'chain' | 'index'>;

const newReason = (kind: string) => `${kind}:${requestHash([Date.now(), Math.random()]).slice(0, 16)}`;

/** Builds, signs, broadcasts and cancels transactions for wallets. */
export class SpendEngine {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly broadcaster: Broadcaster;
  private readonly planner: SendPlanner;
  private readonly random: RandomInt;

  constructor(private readonly deps: SpendDeps) {
    this.broadcaster = new Broadcaster({ ...deps, chain: () => this.chain() });
    this.random = deps.random ?? secureRandomInt;
    this.planner = new SendPlanner({ ...deps, random: this.random });
  }

  /** Serializes spends per wallet so two calls never choose the same coins. */
  private exclusive<T>(walletId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(walletId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.queues.set(walletId, next.catch(() => undefined));
    return next;
  }

  private chain(): ChainBackend {
    return this.deps.chain ?? fail('CHAIN_UNAVAILABLE', 'no chain backend is configured (offline signer)');
  }

  /** Issues the next change address (BIP44 internal chain), keeping the lookahead. */
  private changeAddress(wallet: WalletRecord): Promise<AddressRecord> {
    return this.deps.issueAddress(wallet, 1, null);
  }

  private psbtFields(wallet: WalletRecord) {
    return {
      network: this.deps.network, addressType: wallet.addressType, accountXpub: wallet.accountXpub,
      masterFingerprint: wallet.masterFingerprint, accountPath: accountPath(wallet.addressType, this.deps.network),
    };
  }

  /**
   * Leases a prepared send's coins under `reason`, issues its change address, and builds the
   * unsigned PSBT with its inputs shuffled and an anti-fee-sniping locktime. On failure after
   * leasing, the coins go back. create_psbt, sign_transaction and the sends share it.
   */
  async fund(wallet: WalletRecord, p: Prepared, reason: string): Promise<{ psbt: Psbt; expiresAt: number; change: AddressRecord | null }> {
    const { settings, clock, store } = this.deps;
    const inputs: Coin[] = p.plan.inputs;
    const expiresAt = clock.now() + settings.leaseSeconds * 1000;
    const leased = await store.insertLeases(inputs.map((i) => ({ walletId: wallet.id, txid: i.txid, vout: i.vout, expiresAt, reason })), clock.now());
    if (!leased) fail('INSUFFICIENT_FUNDS', 'coins were taken by a concurrent request; retry');
    return this.releasingOnFailure(wallet.id, reason, async () => {
      const outputs = [...p.outputs];
      const change = p.changeIndex !== null ? await this.changeAddress(wallet) : null;
      if (change) outputs.splice(p.changeIndex!, 0, { script: change.script, value: p.plan.change });
      return { psbt: buildPsbt({ inputs: shuffled(inputs, this.random), outputs, locktime: this.newTxLocktime(), ...this.psbtFields(wallet) }), expiresAt, change };
    });
  }

  /** The anti-fee-sniping nLockTime of a new transaction (a send or a CPFP child) at the current tip. */
  private newTxLocktime(): number {
    return antiFeeSnipingLocktime(this.deps.tipHeight(), this.random);
  }

  /** Signs every input of `psbt` this wallet owns; the derived key is zeroed afterwards. */
  private async signWithWallet(wallet: WalletRecord, psbt: Psbt): Promise<{ hex: string | null; complete: boolean }> {
    await this.deps.withSeed(wallet, (seed) => {
      const accountNode = deriveAccountSigner(seed, wallet.addressType, this.deps.network);
      try {
        signPsbt(psbt, { accountNode, masterFingerprint: wallet.masterFingerprint, addressType: wallet.addressType });
      } finally {
        accountNode.privateKey?.fill(0);
      }
    });
    return finalizePsbt(psbt);
  }

  /** Runs `fn`; when it throws, the leases taken under `reason` are released before rethrowing. */
  private async releasingOnFailure<T>(walletId: string, reason: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      await this.deps.store.releaseLeases(walletId, { reason }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The one send path: replay, plan, preview or (guard, lease, sign, record, broadcast). The
   * guard sees amount plus fee after selection and before any signature (SPEC §4).
   */
  private execute(wallet: WalletRecord, spec: SendSpec, opts: SendOptions, hash: string): Promise<SendResult | DryRunResult> {
    return this.exclusive(wallet.id, async () => {
      this.chain();
      const key = opts.dryRun ? undefined : opts.idempotencyKey;
      if (key) {
        const replayed = await replaySend(this.deps.store, wallet.id, key, hash);
        if (replayed) return replayed;
      }
      const p = await this.planner.prepare(wallet, spec, opts);
      await opts.guard?.({ amount: p.amount, fee: p.plan.fee, feeRate: Number(p.plan.fee) / p.plan.vsize, destinations: p.destinations });
      if (opts.dryRun) return this.planner.preview(wallet, p);
      const reason = key ? `send:${key}` : newReason('send');
      const { psbt } = await this.fund(wallet, p, reason);
      const { hex, txid, status } = await this.releasingOnFailure(wallet.id, reason, async () => {
        const { hex } = await this.signWithWallet(wallet, psbt);
        if (!hex) fail('INTERNAL', 'wallet could not finalize its own transaction');
        const txid = Transaction.fromHex(hex).getId();
        // Recorded before broadcast: a crash after the node accepted it still answers the retry.
        if (key) await this.deps.store.putIdempotent(wallet.id, key, txid, hash);
        return { hex, txid, status: await this.broadcaster.send(wallet.id, { txid, hex }) };
      });
      // The ledger now holds the coins as spent, so the leases have done their work.
      await this.deps.store.releaseLeases(wallet.id, { reason });
      const fee = Number(p.plan.fee);
      return { txid, fee, feeRate: fee / Transaction.fromHex(hex).virtualSize(), feeSource: p.feeSource, amount: Number(p.amount), replayed: false, status };
    });
  }

  /** send_transaction: pay `outputs`, optionally from named inputs, with the fee from named outputs. */
  async send(wallet: WalletRecord, req: SendRequest): Promise<SendResult | DryRunResult> {
    const recipients = this.planner.recipients(req.outputs);
    const sffo = req.subtractFeeFrom ?? [];
    sffo.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= recipients.length) fail('INVALID_PARAMS', 'subtractFeeFrom names an output that does not exist', { field: `subtractFeeFrom/${k}` });
      if (sffo.indexOf(i) !== k) fail('INVALID_PARAMS', 'subtractFeeFrom names an output twice', { field: `subtractFeeFrom/${k}` });
    });
    // The original three-part hash, so keys stored before coin control still replay.
    const extra = req.inputs || req.subtractFeeFrom ? [{ inputs: req.inputs ?? null, subtractFeeFrom: req.subtractFeeFrom ?? null }] : [];
    const hash = requestHash([req.outputs, req.feeRate ?? null, req.confTarget ?? null, ...extra]);
    return this.execute(wallet, { kind: 'pay', recipients, subtractFeeFrom: sffo }, req, hash);
  }

  /** send_all: sweep every spendable coin (or exactly `inputs`) to one address, no change (Core's sendall). */
  async sendAll(wallet: WalletRecord, req: SendAllRequest): Promise<SendResult | DryRunResult> {
    const script = Buffer.from(validateAddress(req.address, this.deps.network).script).toString('hex');
    const hash = requestHash(['send_all', req.address, req.feeRate ?? null, req.confTarget ?? null, req.inputs ?? null]);
    return this.execute(wallet, { kind: 'sweep', address: req.address, script }, req, hash);
  }

  /** sign_transaction: a leased, signed draft, or the wallet's signatures on a caller's PSBT. */
  sign(wallet: WalletRecord, req: SignRequest): Promise<SignResult> {
    return this.exclusive(wallet.id, async () => {
      if ('psbt' in req) {
        const psbt = psbtFromBase64(req.psbt, this.deps.network);
        const outpoints = psbt.txInputs.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`);
        annotateWalletInputs(psbt, { ...this.psbtFields(wallet), coins: await this.deps.store.getCoins(wallet.id, outpoints) });
        const { hex, complete } = await this.signWithWallet(wallet, psbt);
        checkPsbtFeeCaps(psbt, hex, this.deps.settings);
        return { psbt: psbt.toBase64(), hex, complete, leasedUntil: null };
      }
      const p = await this.planner.prepare(wallet, { kind: 'pay', recipients: this.planner.recipients(req.outputs), subtractFeeFrom: [] }, { ...req, allowHighFee: true });
      const reason = newReason('sign');
      const { psbt, expiresAt } = await this.fund(wallet, p, reason);
      const signed = await this.releasingOnFailure(wallet.id, reason, () => this.signWithWallet(wallet, psbt));
      return { psbt: psbt.toBase64(), hex: signed.hex, complete: signed.complete, leasedUntil: Math.floor(expiresAt / 1000) };
    });
  }

  /** create_psbt: a funded, unsigned, leased PSBT; no seed needed, so watch-only wallets work (psbt-funder.ts). */
  createPsbt(wallet: WalletRecord, req: CreatePsbtRequest): Promise<CreatePsbtResult> {
    return this.exclusive(wallet.id, () => createFundedPsbt(this.kit(), wallet, req));
  }

  /** bump_fee: a BIP125 replacement keeping the recipients, or a CPFP child (fee-bump.ts). */
  bump(wallet: WalletRecord, req: BumpRequest): Promise<BumpResult> {
    return this.exclusive(wallet.id, () => bumpFee(this.kit(), wallet, req));
  }

  /** cancel_transaction: BIP125 replacement paying the unconfirmed tx's inputs back to the wallet (cancel.ts). */
  cancel(wallet: WalletRecord, req: CancelTxRequest): Promise<SendResult> {
    return this.exclusive(wallet.id, () => cancelTransaction(this.kit(), wallet, req));
  }

  /** The engine's parts its spend flows borrow. */
  private kit(): SpendKit {
    const chain = this.chain();
    return {
      ...this.deps, chain,
      feeRate: async (req) => (await resolveFeeRate(req, chain, this.deps.settings)).feeRate,
      changeAddress: (wallet) => this.changeAddress(wallet),
      account: (wallet) => this.psbtFields(wallet),
      recipients: (outputs) => this.planner.recipients(outputs),
      prepare: (wallet, spec, opts) => this.planner.prepare(wallet, spec, opts),
      fund: (wallet, p, reason) => this.fund(wallet, p, reason),
      sign: (wallet, psbt) => this.signWithWallet(wallet, psbt),
      locktime: () => this.newTxLocktime(),
      broadcast: (walletId, original, hex) => this.broadcastReplacement(walletId, original, hex),
    };
  }

  /** Records and broadcasts a replacement (or CPFP child) of `original`; a refusal after it was mined is ALREADY_CONFIRMED. */
  private async broadcastReplacement(walletId: string, original: string, hex: string): Promise<TxStatus> {
    try {
      // Recording a replacement marks the original replaced (it spends the same inputs).
      return await this.broadcaster.send(walletId, { txid: Transaction.fromHex(hex).getId(), hex });
    } catch (err) {
      if (isWalletdError(err, 'BROADCAST_REJECTED') && (await this.chain().getTx(original))?.blockHeight != null) {
        fail('ALREADY_CONFIRMED', undefined, { txid: original });
      }
      throw err;
    }
  }
}
