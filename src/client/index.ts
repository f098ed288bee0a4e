/**
 * The typed client walletctl uses: @walletd/client (clients/typescript), re-exported so the
 * daemon's sources and the published package are one code base.
 */
export * from '../../clients/typescript/src/index.ts';
