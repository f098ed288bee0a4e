/**
 * `walletd sandbox [--datadir DIR] [--node PATH] [--mine-every SEC] [--rpc-port P] [--log-level L]` (SPEC §9):
 * starts the regtest sandbox, prints how to reach it, and stops it on Ctrl-C or SIGTERM.
 */
import type { Command } from 'commander';
import { createLogger } from '../server/logger.ts';
import { startSandbox } from '../sandbox/sandbox.ts';

interface Flags {
  datadir: string;
  node?: string;
  mineEvery: string;
  rpcPort?: string;
  logLevel: string;
}

/** Registers `sandbox` on the walletd command. */
export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('start a private regtest node, a walletd on it and a funded wallet; Ctrl-C stops both')
    .option('--datadir <dir>', "walletd's data dir; the node's data lives in DIR/node (default: ./sandbox)")
    .option('--node <path>', 'bitcoind or litecoind to run (default: found on PATH)')
    .option('--mine-every <seconds>', 'mine a block this often while the mempool holds a tx, 0 never (default: 10)')
    .option('--rpc-port <port>', 'a fixed HTTP port for walletd, so a printed URL (a UI\'s ?daemon=) stays valid across restarts (default: a free one)')
    .option('--log-level <level>', "the daemon's log level (default: warn)")
    .action(async (_own: Flags, cmd: Command) => {
      // walletd's own --datadir and --log-level match before or after the subcommand name alike.
      const given = cmd.optsWithGlobals<Partial<Flags>>();
      const flags: Flags = { ...given, datadir: given.datadir ?? './sandbox', logLevel: given.logLevel ?? 'warn', mineEvery: given.mineEvery ?? '10' };
      const mineEverySec = Number(flags.mineEvery);
      if (!/^\d+$/.test(flags.mineEvery) || !Number.isSafeInteger(mineEverySec)) {
        process.stderr.write(`walletd sandbox: --mine-every takes whole seconds, got ${JSON.stringify(flags.mineEvery)}\n`);
        process.exit(2);
      }
      const rpcPort = flags.rpcPort === undefined ? 0 : Number(flags.rpcPort);
      if (flags.rpcPort !== undefined && (!/^\d+$/.test(flags.rpcPort) || rpcPort > 65535)) {
        process.stderr.write(`walletd sandbox: --rpc-port takes 0..65535, got ${JSON.stringify(flags.rpcPort)}\n`);
        process.exit(2);
      }
      const logger = createLogger({ level: flags.logLevel, pretty: false });
      let stopping = false;
      const sandbox = await startSandbox({ datadir: flags.datadir, ...(flags.node ? { nodeBinary: flags.node } : {}), mineEverySec, rpcPort, logger }).catch(
        (err: unknown) => {
          process.stderr.write(`walletd sandbox: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
      const onSignal = () => {
        if (stopping) return;
        stopping = true;
        process.stderr.write('walletd sandbox: stopping walletd and the node\n');
        sandbox.stop().then(
          () => logger.flush(() => process.exit(0)),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.stdout.write(`${sandbox.banner.join('\n')}\n`);
    });
}
