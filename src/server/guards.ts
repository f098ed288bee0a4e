/**
 * Request guards that run before any route (SPEC §3): the DNS-rebinding `Host` check and the
 * browser `Origin` check. A page on evil.example that resolves its name to 127.0.0.1 still sends
 * `Host: evil.example`, and a cross-site fetch always carries its `Origin`.
 */

/** Host names that always reach this machine only. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Addresses that mean "every interface", which cannot name the daemon in a Host header. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

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

/** The reason a request was refused, or null when it passes. */
export function checkRequest(
  headers: { host?: string | undefined; origin?: string | undefined },
  settings: GuardSettings,
): string | null {
  const host = headers.host;
  if (!host) return 'missing Host header';
  const name = hostName(host);
  const allowed =
    LOOPBACK_NAMES.has(name) ||
    (!WILDCARD_ADDRESSES.has(settings.bindHost) && hostName(settings.bindHost) === name) ||
    settings.allowedHosts.some((entry) => {
      const e = entry.trim().toLowerCase();
      // An entry with a port must match exactly; one without matches any port.
      return e === host.trim().toLowerCase() || e === name;
    });
  if (!allowed) return 'Host is not a loopback name or a configured rpc.allowedHosts entry';
  const origin = headers.origin;
  if (origin !== undefined && !settings.allowedOrigins.includes(origin)) {
    return 'Origin is not in rpc.allowedOrigins';
  }
  return null;
}
