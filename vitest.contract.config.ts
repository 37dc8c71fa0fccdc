import { defineConfig } from 'vitest/config';

/**
 * Emulator contract tests: each file starts its own emulator in-process on a free port
 * (emulator/contract/harness.ts) and drives it with the real @workos-inc/node client.
 */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['emulator/contract/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
