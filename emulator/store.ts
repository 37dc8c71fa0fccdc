import type { Clock } from './clock.ts';
import type { EmulatorConfig } from './config.ts';
import { newId } from './ids.ts';
import { generateSigningKey, type StoredSigningKey } from './keys.ts';
import { Codes } from './state/codes.ts';
import { Deliveries } from './state/deliveries.ts';
import { Events } from './state/events.ts';
import { Memberships } from './state/memberships.ts';
import { readStateFile, writeStateFile, type PersistedState } from './state/persistence.ts';
import { defaultRuntimeConfig, type RuntimeConfig } from './state/runtime-config.ts';
import { Sessions } from './state/sessions.ts';
import { Tokens } from './state/tokens.ts';
import { seedUsers, Users } from './state/users.ts';

export interface StoreOptions {
  config: EmulatorConfig;
  clock: Clock;
  /** Base URL used as the access token issuer. */
  issuer: () => string;
}

/**
 * All emulator state: one resource per module of state/, each reached through its field here (`store.sessions`…).
 * Every change that WorkOS would announce emits an event (`store.events`). The state file is written shortly after
 * every change.
 */
export class Store {
  readonly users = new Users(this);
  readonly memberships = new Memberships(this);
  readonly sessions = new Sessions(this);
  readonly codes = new Codes(this);
  readonly tokens = new Tokens(this);
  readonly events = new Events(this);
  readonly deliveries = new Deliveries(this);
  readonly clock: Clock;
  readonly issuer: () => string;
  /** The records; only the resources in state/ read and write them. */
  state: PersistedState;
  private readonly emulatorConfig: EmulatorConfig;
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.issuer = options.issuer;
    this.emulatorConfig = options.config;
    const loaded = readStateFile(options.config);
    this.state = loaded ?? this.seed(generateSigningKey(newId('sso_oidc_key_pair', this.now()), this.now()));
    if (!loaded) this.persistSoon();
  }

  now(): number {
    return this.clock.now();
  }

  get signingKey(): StoredSigningKey {
    return this.state.signingKey;
  }

  get config(): RuntimeConfig {
    return this.state.config;
  }

  updateConfig(patch: Partial<RuntimeConfig>): RuntimeConfig {
    this.state.config = { ...this.state.config, ...patch };
    this.persistSoon();
    return this.state.config;
  }

  private seed(signingKey: StoredSigningKey): PersistedState {
    const { users, memberships } = seedUsers(this.now());
    return {
      version: 1,
      signingKey,
      users,
      memberships,
      sessions: [],
      codes: [],
      refreshTokens: [],
      events: [],
      deliveries: [],
      config: defaultRuntimeConfig(this.emulatorConfig),
    };
  }

  /** Back to the seeded state; the signing key is kept so tokens already verified stay verifiable. */
  reset(): void {
    this.tokens.grantLog.length = 0;
    this.codes.clearPending();
    this.state = this.seed(this.state.signingKey);
    this.persistSoon();
  }

  /** Writes the state file soon, once for a burst of changes; call after changing a record in place. */
  persistSoon(): void {
    if (!this.emulatorConfig.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.flush();
    }, 25);
    this.saveTimer.unref();
  }

  /** Writes the state file now. */
  flush(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (this.emulatorConfig.stateFile) writeStateFile(this.emulatorConfig.stateFile, this.state);
  }
}
