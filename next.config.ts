import type { NextConfig } from 'next';
import { assetHeaders } from './lib/security/headers';

/**
 * The paths proxy.ts's matcher leaves out: they get the security headers here, every other path from the proxy.
 * Keep the two lists the same (lib/security/headers.test.ts checks it).
 */
const PROXY_EXCLUDED = '/:path((?:_next/static|_next/image|favicon.ico|icons/|robots.txt).*)';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Lets several builds (e.g. two test runs) coexist in one checkout.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  poweredByHeader: false,
  // The e2e build sets this: `npm test` has already run `tsc --noEmit` over the whole repository.
  typescript: { ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === '1' },
  // ioredis and the WorkOS SDK are server-only; keep them out of the bundler.
  serverExternalPackages: ['ioredis'],
  // `forbidden()` (HTTP 403) for non-administrators on /admin and its actions.
  experimental: { authInterrupts: true },
  async headers() {
    const headers = Object.entries(assetHeaders()).map(([key, value]) => ({ key, value }));
    return [{ source: PROXY_EXCLUDED, headers }];
  },
};

export default nextConfig;
