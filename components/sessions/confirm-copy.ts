import type { Confirmable } from '@/lib/sessions/actions/confirmable';
import type { SessionView } from '@/lib/sessions/view';
import { labelWithHints, plural } from '@/lib/sessions/wording';
import type { ConfirmCopy } from './confirm-dialog';

const sessionCount = (n: number) => plural(n, 'session', 'sessions');

/** The other session a confirmation names, if it is still listed. */
export function otherSession(sessions: SessionView[], key: string): SessionView | undefined {
  return sessions.find((s) => s.key === key && !s.isCurrent);
}

/** What the confirmation of `confirm` says; null when the session it names is no longer listed. */
export function confirmCopy(confirm: Confirmable, sessions: SessionView[], recentAuth: boolean, impersonated: boolean): ConfirmCopy | null {
  const others = sessions.filter((s) => !s.isCurrent);
  const note = impersonated
    ? 'You are signed in through support impersonation: this needs the account owner’s own recent sign-in, so it will be refused.'
    : recentAuth
      ? null
      : 'First you’ll be asked to sign in again, to confirm it’s you.';
  switch (confirm.kind) {
    case 'revoke': {
      const session = otherSession(sessions, confirm.key);
      if (!session) return null;
      return {
        title: `Sign out ${session.label}?`,
        body: 'It loses access on its next request and has to sign in again.',
        names: [labelWithHints(session)],
        note,
        confirmLabel: 'Yes, sign it out',
        destructive: false,
      };
    }
    case 'others':
      return {
        title: 'Sign out of all other sessions?',
        body: `${sessionCount(others.length)} will end. This device stays signed in.`,
        names: others.map((s) => s.label),
        note,
        confirmLabel: `Yes, sign out ${sessionCount(others.length)}`,
        destructive: false,
      };
    case 'unusual': {
      const unusual = others.filter((s) => s.hints.length > 0);
      return {
        title: 'Sign out unusual sessions?',
        body: `${plural(unusual.length, 'session that looks', 'sessions that look')} unusual will end. This device stays signed in.`,
        names: unusual.map(labelWithHints),
        note,
        confirmLabel: `Yes, sign out ${sessionCount(unusual.length)}`,
        destructive: false,
      };
    }
    case 'everywhere':
      return {
        title: 'Sign out everywhere?',
        body: `All ${sessionCount(sessions.length)} will end, including this device. You’ll need to sign in again everywhere.`,
        names: sessions.map((s) => (s.isCurrent ? `${s.label} (this device)` : s.label)),
        note,
        confirmLabel: 'Yes, sign out everywhere',
        destructive: true,
      };
  }
}
