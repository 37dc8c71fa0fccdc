/**
 * WorkOS-compatible emulator: `node emulator/main.ts` (Node 24 strips the types).
 * Configuration comes from the environment; see emulator/config.ts and docs/architecture.md.
 */
import { ConfigError, loadConfig, type EmulatorConfig } from './config.ts';
import { startEmulator } from './server.ts';

function readConfig(): EmulatorConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();

const emulator = await startEmulator(config).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `Port ${config.port} on ${config.host} is in use: set EMULATOR_PORT to a free port.`
      : `The emulator could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

console.log(`WorkOS emulator listening on ${emulator.url}`);
console.log(`  client id      ${config.clientId}`);
console.log(`  redirect URIs  ${config.redirectUris.join(', ')}`);
console.log(`  webhooks       ${config.webhookUrl ?? 'off (set EMULATOR_WEBHOOK_URL)'}`);
console.log(`  state file     ${config.stateFile ?? 'none (in memory)'}`);
console.log(`  dashboard      ${emulator.url}/_emulator/dashboard`);
console.log(
  `  demo users     ada@example.com (admin), grace@example.com, alan@example.com (org_demo); linus@example.com (org_other) — password demo-password`,
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the emulator`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
