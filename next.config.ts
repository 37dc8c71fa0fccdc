import type { NextConfig } from 'next';

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
};

export default nextConfig;
