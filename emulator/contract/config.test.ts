import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node24 = `${root}node_modules/.bin/node`;

/** The parent's environment minus anything the emulator reads, so each case sets exactly what it tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('EMULATOR_') || name.startsWith('WORKOS_')) delete env[name];
  }
  return env;
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: 4100,
      redirectUris: ['http://localhost:3000/callback'],
      webhookUrl: null,
      accessTokenTtlSeconds: 300,
      stateFile: null,
      authTimeClaim: false,
      // Off, as in a new WorkOS environment.
      sessionInactivityTimeoutSeconds: null,
    });
  });

  it('reads EMULATOR_AUTH_TIME_CLAIM', () => {
    expect(loadConfig({ EMULATOR_AUTH_TIME_CLAIM: 'true' }).authTimeClaim).toBe(true);
    expect(loadConfig({ EMULATOR_AUTH_TIME_CLAIM: 'false' }).authTimeClaim).toBe(false);
    expect(() => loadConfig({ EMULATOR_AUTH_TIME_CLAIM: 'yes' })).toThrow(/EMULATOR_AUTH_TIME_CLAIM/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_PORT: '4110',
      WORKOS_API_KEY: 'sk_x',
      WORKOS_CLIENT_ID: 'client_x',
      EMULATOR_REDIRECT_URIS: 'http://localhost:3100/callback, http://127.0.0.1:3100/callback',
      EMULATOR_WEBHOOK_URL: 'http://localhost:3100/api/webhooks/workos',
      WORKOS_WEBHOOK_SECRET: 'whsec',
      EMULATOR_ACCESS_TOKEN_TTL_SECONDS: '60',
      EMULATOR_SESSION_MAX_AGE_SECONDS: '3600',
      EMULATOR_SESSION_INACTIVITY_TIMEOUT_SECONDS: '1800',
      EMULATOR_STATE_FILE: '.data/emulator.json',
      EMULATOR_AUTH_TIME_CLAIM: 'true',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 4110,
      apiKey: 'sk_x',
      clientId: 'client_x',
      redirectUris: ['http://localhost:3100/callback', 'http://127.0.0.1:3100/callback'],
      webhookUrl: 'http://localhost:3100/api/webhooks/workos',
      webhookSecret: 'whsec',
      accessTokenTtlSeconds: 60,
      sessionMaxAgeSeconds: 3600,
      sessionInactivityTimeoutSeconds: 1800,
      stateFile: '.data/emulator.json',
      authTimeClaim: true,
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        EMULATOR_PORT: 'eighty',
        EMULATOR_ACCESS_TOKEN_TTL_SECONDS: '0',
        EMULATOR_REDIRECT_URIS: 'not a url',
        EMULATOR_WEBHOOK_URL: 'http://localhost/hook',
        EMULATOR_SESSION_INACTIVITY_TIMEOUT_SECONDS: '5',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'EMULATOR_PORT',
      'EMULATOR_ACCESS_TOKEN_TTL_SECONDS',
      'EMULATOR_REDIRECT_URIS',
      'WORKOS_WEBHOOK_SECRET',
      'EMULATOR_SESSION_INACTIVITY_TIMEOUT_SECONDS',
    ]) {
      expect(message).toContain(name);
    }
  });
});

describe('node emulator/main.ts (Node 24 type stripping)', () => {
  it('starts, answers /health and stops on SIGTERM', async () => {
    const child = spawn(node24, ['emulator/main.ts'], {
      cwd: root,
      env: { ...cleanEnv(), EMULATOR_PORT: '0', WORKOS_API_KEY: 'sk_main', WORKOS_CLIENT_ID: 'client_main' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', () => reject(new Error(`emulator exited early:\n${output}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', client_id: 'client_main' });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('exits with a message naming the bad variable', async () => {
    const child = spawn(node24, ['emulator/main.ts'], {
      cwd: root,
      env: { ...cleanEnv(), EMULATOR_SESSION_MAX_AGE_SECONDS: 'forever' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('EMULATOR_SESSION_MAX_AGE_SECONDS');
  });
});
