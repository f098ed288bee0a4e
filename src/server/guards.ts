/**
 * Request guards that run before any route (SPEC §3): the DNS-rebinding `Host` check and the
 * browser `Origin` check. A page on evil.example that resolves its name to 127.0.0.1 still sends
 * `Host: evil.example`, and a cross-site fetch always carries its `Origin`.
 */

/** Host names that always reach this machine only. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Addresses that mean "every interface", which cannot name the daemon in a Host header. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Probe paths that skip the Host check (SPEC §10): they reveal nothing, and kubelet sends the pod
 * IP as `Host`, so default Kubernetes probes would otherwise get 403.
 */
export const HOST_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** Splits `Host` into its name, lower-cased and without the port (`[::1]:7380` → `[::1]`). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Settings the guards read. */
export interface GuardSettings {
  /** The configured bind address; a concrete address is an acceptable Host too. */
  bindHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/** A bind address as it appears in a Host header: an IPv6 literal gets its brackets (RFC 3986 §3.2.2). */
function bindHostName(bindHost: string): string {
  const h = bindHost.trim();
  return h.includes(':') && !h.startsWith('[') ? `[${h.toLowerCase()}]` : hostName(h);
}

/**
 * The reason a request was refused, or null when it passes. `unixSocket` requests skip the Host
 * check: DNS rebinding needs a browser on TCP, and the 0600 socket admits only this user, whose
 * HTTP client may name any host (curl --unix-socket sends the URL's).
 */
export function checkRequest(
  headers: { host?: string | undefined; origin?: string | undefined; unixSocket?: boolean; path?: string },
  settings: GuardSettings,
): string | null {
  if (!headers.unixSocket && !(headers.path !== undefined && HOST_EXEMPT_PATHS.has(headers.path))) {
    const reason = checkHost(headers.host, settings);
    if (reason !== null) return reason;
  }
  const origin = headers.origin;
  if (origin !== undefined && !settings.allowedOrigins.includes(origin)) {
    return 'Origin is not in rpc.allowedOrigins';
  }
  return null;
}

function checkHost(host: string | undefined, settings: GuardSettings): string | null {
  if (!host) return 'missing Host header';
  const name = hostName(host);
  const allowed =
    LOOPBACK_NAMES.has(name) ||
    (!WILDCARD_ADDRESSES.has(settings.bindHost) && bindHostName(settings.bindHost) === name) ||
    settings.allowedHosts.some((entry) => {
      const e = entry.trim().toLowerCase();
      // An entry with a port must match exactly; one without matches any port.
      return e === host.trim().toLowerCase() || e === name;
    });
  return allowed ? null : 'Host is not a loopback name or a configured rpc.allowedHosts entry';
}
