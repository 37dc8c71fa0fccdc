import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EmulatorConfig } from '../config.ts';
import { observeId } from '../ids.ts';
import { withCertificate, type StoredSigningKey } from '../keys.ts';
import type { CodeRecord } from './codes.ts';
import type { DeliveryRecord } from './deliveries.ts';
import type { EventRecord } from './events.ts';
import type { MembershipRecord, MembershipStatus } from './memberships.ts';
import { ORGANIZATION } from './organizations.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import type { SessionRecord } from './sessions.ts';
import type { RefreshTokenRecord } from './tokens.ts';
import type { UserRecord } from './users.ts';

/** Everything the state file (EMULATOR_STATE_FILE) keeps across restarts. */
export interface PersistedState {
  version: 1;
  signingKey: StoredSigningKey;
  users: UserRecord[];
  memberships: MembershipRecord[];
  sessions: SessionRecord[];
  codes: CodeRecord[];
  refreshTokens: RefreshTokenRecord[];
  events: EventRecord[];
  deliveries: DeliveryRecord[];
  config: RuntimeConfig;
}

/** State files written when a user had exactly one membership, kept on the user record. */
interface LegacyUserRecord extends UserRecord {
  role?: string;
  organizationId?: string;
  membershipStatus?: MembershipStatus;
}

/** One membership per user, from state files written before users could have several (same ids as then). */
function migrateMemberships(users: LegacyUserRecord[]): MembershipRecord[] {
  return users.map((user) => {
    const membership: MembershipRecord = {
      id: `om_${user.id.replace(/^user_/, '')}`,
      userId: user.id,
      organizationId: user.organizationId ?? ORGANIZATION.id,
      role: user.role ?? 'member',
      status: user.membershipStatus ?? 'active',
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
    delete user.role;
    delete user.organizationId;
    delete user.membershipStatus;
    return membership;
  });
}

/** The state file's content brought up to date, or null when there is no state file (yet). */
export function readStateFile(config: EmulatorConfig): PersistedState | null {
  const file = config.stateFile;
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as PersistedState;
  if (parsed.version !== 1 || !parsed.signingKey || !Array.isArray(parsed.users)) {
    throw new Error(`EMULATOR_STATE_FILE ${file} is not an emulator state file (delete it to start fresh)`);
  }
  if (!Array.isArray(parsed.memberships)) parsed.memberships = migrateMemberships(parsed.users as LegacyUserRecord[]);
  for (const list of [parsed.users, parsed.memberships, parsed.sessions, parsed.events, parsed.deliveries]) {
    for (const item of list) observeId(item.id);
  }
  // State files written before the key had a certificate: make one now (written back with the next save).
  parsed.signingKey = withCertificate(parsed.signingKey);
  // State files written before the inactivity timeout existed: take it from the configuration.
  if (parsed.config && parsed.config.sessionInactivityTimeoutSeconds === undefined) {
    parsed.config.sessionInactivityTimeoutSeconds = config.sessionInactivityTimeoutSeconds;
  }
  // State files written before `authTimeClaim` existed: take it from the configuration.
  if (typeof parsed.config?.authTimeClaim !== 'boolean' && parsed.config) {
    parsed.config.authTimeClaim = config.authTimeClaim;
  }
  return parsed;
}

/** Atomically: a temporary file, then a rename. */
export function writeStateFile(file: string, state: PersistedState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, file);
}
