# syntax=docker/dockerfile:1
# walletd container image (SPEC §2, §10, §11). Two stages:
#   build   - compiles the SQLCipher native addon (node-gyp, links libcrypto), type-checks and
#             compiles the TypeScript to dist/ (`npm run build`, as `prepare` does);
#   runtime - slim Node 20 with only libssl3, tini, the compiled JavaScript and the production
#             node_modules: no TypeScript, no TypeScript loader, no SQLCipher sources or objects.
#
# Run (publish on the host's loopback ONLY; walletd binds 0.0.0.0 inside the container):
#   docker run -d --name walletd -p 127.0.0.1:7380:7380 -v walletd-data:/data \
#     -v "$PWD/secrets/walletd_keystore_passphrase:/run/secrets/walletd_keystore_passphrase:ro" \
#     -e WALLETD_KEYSTORE_PASSPHRASE_FILE=/run/secrets/walletd_keystore_passphrase walletd
# Secrets are never baked in: pass them as files (WALLETD_*_FILE), see README "Operating walletd".

ARG NODE_MAJOR=20

FROM node:${NODE_MAJOR}-bookworm AS build
# build-essential + python3 for node-gyp; libssl-dev for SQLCipher's libcrypto.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential python3 libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/typescript/package.json ./clients/typescript/package.json
# Scripts off, so `prepare` does not build before the sources are here; then the one install
# script that matters: @journeyapps/sqlcipher's `node-gyp rebuild`, compiling from source here.
RUN npm ci --no-audit --no-fund --ignore-scripts \
    && npm rebuild @journeyapps/sqlcipher
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY clients/typescript ./clients/typescript
# The web UI is built too (`npm run build` bundles it), though the image never serves it.
COPY clients/web ./clients/web
COPY config ./config
# Type-check, compile to dist/, drop dev dependencies (tsx, esbuild, typescript), then what the
# addon needs only to build: its C sources, the amalgamation and the object files.
RUN npx tsc --noEmit -p . \
    && npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && test ! -e node_modules/tsx && test ! -e node_modules/esbuild \
    && rm -rf node_modules/@walletd \
       node_modules/@journeyapps/sqlcipher/src node_modules/@journeyapps/sqlcipher/deps \
       node_modules/@journeyapps/sqlcipher/build/Release/obj.target node_modules/@journeyapps/sqlcipher/build/deps \
       node_modules/@journeyapps/sqlcipher/build/node-addon-api node_modules/@journeyapps/sqlcipher/build/Release/node-addon-api \
    && find node_modules -type f \( -name '*.o' -o -name '*.a' -o -name '*.c' -o -name '*.cc' -o -name '*.h' -o -name '*.ts' ! -name '*.d.ts' \) -delete \
    && test -f node_modules/@journeyapps/sqlcipher/build/Release/node_sqlite3.node \
    && npm cache clean --force

FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
# libssl3 provides libcrypto.so.3 for the SQLCipher addon; tini is PID 1 so SIGTERM reaches node
# and zombies are reaped; ca-certificates for https chain backends (esplora).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid, so volume ownership and Kubernetes runAsUser/fsGroup can name it.
RUN groupadd --system --gid 10001 walletd \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin walletd \
    && install -d -m 0700 -o 10001 -g 10001 /data
WORKDIR /app
# Code and modules stay owned by root: the daemon can read but never rewrite them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/clients ./dist/clients
COPY --from=build /app/config ./config
# SPEC §2: binding a non-loopback address needs rpc.allowRemote; inside a container 0.0.0.0 is
# the only way to be reachable, and the host publishes it on 127.0.0.1 only (-p 127.0.0.1:7380:7380).
ENV NODE_ENV=production \
    WALLETD_DATADIR=/data \
    WALLETD_RPC_HOST=0.0.0.0 \
    WALLETD_RPC_PORT=7380 \
    WALLETD_RPC_ALLOW_REMOTE=true
USER 10001:10001
VOLUME /data
EXPOSE 7380
# The slim image has no curl; node's fetch does the probe. It follows WALLETD_RPC_PORT when overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WALLETD_RPC_PORT||7380)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The daemon stops gracefully within 10 s of SIGTERM (SPEC §10); `docker stop` also waits 10 s
# by default, so run with --stop-timeout 15 (compose: stop_grace_period) for headroom.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# The same heap cap as bin/walletd.mjs's shebang (see there why).
CMD ["node", "--max-old-space-size=1024", "bin/walletd.mjs"]
