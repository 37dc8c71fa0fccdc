import { applyConfig } from '../control/settings.ts';
import { parseFault } from '../control/faults.ts';
import type { RequestContext } from '../http.ts';
import { organizationName } from '../state/organizations.ts';
import { displayName } from '../state/users.ts';
import { ApiError } from '../wire.ts';

/** Runs one dashboard form's action through the same store calls as the APIs; returns the notice to show. */
export async function runAction(ctx: RequestContext, params: Record<string, unknown>): Promise<string> {
  const { store } = ctx;
  const str = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : '');
  const userName = () => displayName(store.users.require(str('user_id')));
  switch (str('action')) {
    case 'reset':
      ctx.reset();
      return 'Emulator reset to its seeded state.';
    case 'revoke_session':
      store.sessions.revoke(str('session_id'));
      return `Session ${str('session_id')} revoked.`;
    case 'revoke_sessions': {
      const name = userName();
      const revoked = store.sessions.revokeAllOf(str('user_id'));
      return `Revoked ${revoked.length} session(s) of ${name}.`;
    }
    case 'delete_user': {
      const name = userName();
      store.users.delete(str('user_id'));
      return `Deleted ${name}.`;
    }
    // Memberships change as through the WorkOS API (the same events, the next refresh sees them).
    case 'membership_role': {
      const membership = store.memberships.setRole(str('membership_id'), str('role_slug'));
      return `Role in ${organizationName(membership.organizationId)} is now ${membership.role}.`;
    }
    case 'membership_deactivate':
    case 'membership_reactivate': {
      const membership = store.memberships.setActive(str('membership_id'), str('action') === 'membership_reactivate');
      return `Membership ${membership.id} is ${membership.status}.`;
    }
    case 'membership_delete':
      store.memberships.delete(str('membership_id'));
      return `Membership ${str('membership_id')} removed.`;
    case 'reset_password': {
      if (str('password').length < 8) throw new ApiError(422, { message: 'Use a password of at least 8 characters.' });
      const user = store.users.resetPassword(str('user_id'), str('password'));
      return `Password of ${displayName(user)} reset.`;
    }
    case 'impersonate': {
      const name = userName();
      store.sessions.impersonate(str('user_id'), { email: str('impersonator_email'), reason: str('reason') || null });
      return `Impersonation of ${name} started: sign in to the app and pick "Impersonate ${name}".`;
    }
    case 'create_user': {
      const user = store.users.create({
        email: str('email'),
        password: str('password'),
        firstName: str('first_name') || null,
        lastName: str('last_name') || null,
        memberships: [{ organizationId: 'org_demo', role: str('role') === 'admin' ? 'admin' : 'member' }],
      });
      return `Created ${displayName(user)}.`;
    }
    case 'config': {
      const patch: Record<string, unknown> = { ...params };
      delete patch.action;
      if (patch.webhook_url === '') patch.webhook_url = null;
      applyConfig(store, patch);
      return 'Configuration saved.';
    }
    case 'add_fault': {
      const cleaned = Object.fromEntries(
        Object.entries(params).filter(([key, value]) => key !== 'action' && value !== ''),
      );
      ctx.faults.add(parseFault(cleaned, store.now()));
      return 'Fault armed.';
    }
    case 'clear_faults':
      ctx.faults.clear();
      return 'Faults cleared.';
    default:
      throw new ApiError(400, { message: 'Unknown dashboard action.' });
  }
}
