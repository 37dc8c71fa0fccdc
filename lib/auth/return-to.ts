/**
 * Where to send someone after signing in. Only same-origin relative paths are accepted (no open redirect):
 * "/account/security?tab=x" passes; "//evil.com", "/\\evil.com", "https://evil.com", "javascript:…" do not.
 * IMPORTANT: what is RETURNED is checked, after URL normalisation: "/.//evil.com" or "/%2e//evil.com" normalise to
 * "//evil.com", which a browser follows off-site.
 */
const FALLBACK = '/home';
const LOOPING_PATHS = ['/sign-in', '/sign-up', '/callback', '/signed-out'];
const BASE = 'http://return-to.invalid';

export function sanitizeReturnTo(value: unknown, fallback: string = FALLBACK): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  // Control characters and backslashes are normalised away by browsers and can smuggle in a host.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  if (!value.startsWith('/') || value.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  if (LOOPING_PATHS.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return fallback;
  const result = `${url.pathname}${url.search}${url.hash}`;
  return isSameOriginPath(result) ? result : fallback;
}

/** A path that, resolved by a browser against any origin, stays on that origin. */
function isSameOriginPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(path)) return false;
  try {
    const resolved = new URL(path, BASE);
    return resolved.origin === BASE && `${resolved.pathname}${resolved.search}${resolved.hash}` === path;
  } catch {
    return false;
  }
}

/** OIDC `max_age` for re-authentication, in whole seconds; undefined when absent or malformed. */
export function parseMaxAge(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,8}$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds <= 31_536_000 ? seconds : undefined;
}
