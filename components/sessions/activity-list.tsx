import { History, LogIn, LogOut, ShieldAlert, UserCog } from 'lucide-react';
import { describeAuditEntry, receiptSubject, type AuditEntry } from '@/lib/audit';
import { LocalTime } from '@/components/local-time';
import { getLocator } from '@/lib/location';
import { findReceipts, type Receipt } from '@/lib/revocation/receipts';
import { RECEIPT_WAIT_MS } from '@/lib/session-status/protocol';
import { describeMoment, type Moment } from '@/lib/sessions/time';
import { ReceiptNote, type ActivityReceipt } from './receipt-note';

export interface ActivityItem {
  id: number;
  kind: string;
  actorType: AuditEntry['actor']['type'];
  text: string;
  badges: string[];
  at: Moment;
  /** When WorkOS confirmed a sign-out that was locked out here first. */
  workosConfirmed: Moment | null;
  /** Whether the signed-out device's open page was told (null: not a sign-out of another device, or unknown). */
  receipt: ActivityReceipt | null;
}

async function readReceipts(entries: AuditEntry[], logTag: string): Promise<Map<string, Receipt> | null> {
  const hashes = entries.flatMap((entry) => receiptSubject(entry)?.sessionHash ?? []);
  try {
    return await findReceipts(hashes);
  } catch (error) {
    console.error(`[${logTag}] reading revocation receipts failed`, error instanceof Error ? error.message : error);
    return null;
  }
}

function activityReceipt(
  entry: AuditEntry,
  receipts: Map<string, Receipt> | null,
  now: Date,
  live: boolean,
): ActivityReceipt | null {
  const subject = receiptSubject(entry);
  // Unknown (the store could not be read) is not "not online": say nothing rather than something untrue.
  if (!subject || !receipts) return null;
  const receipt = receipts.get(subject.sessionHash);
  return {
    ...subject,
    told: receipt ? { at: describeMoment(new Date(receipt.toldAt), now), afterMs: receipt.toldAt - receipt.revokedAt } : null,
    waitMs: receipt ? 0 : Math.max(0, entry.at.getTime() + RECEIPT_WAIT_MS - now.getTime()),
    live,
  };
}

/**
 * Audit entries in words, as the person (or their administrator) reads them; `viewerSessionHash` is the session
 * looking, for "this device" (null for an administrator). Null when they could not be read.
 */
export async function loadActivity(
  read: () => Promise<AuditEntry[]>,
  viewerSessionHash: string | null,
  now: Date,
  logTag: string,
): Promise<ActivityItem[] | null> {
  try {
    const entries = await read();
    const locate = await getLocator(entries.map((entry) => entry.ipAddress));
    const receipts = await readReceipts(entries, logTag);
    return entries.map((entry) => {
      const { text, badges, workosConfirmedAt } = describeAuditEntry(entry, viewerSessionHash, locate);
      return {
        id: entry.id,
        kind: entry.kind,
        actorType: entry.actor.type,
        text,
        badges,
        at: describeMoment(entry.at, now),
        workosConfirmed: workosConfirmedAt ? describeMoment(workosConfirmedAt, now) : null,
        // Only a person's own page asks for receipts as they come (RECEIPTS_URL answers the caller's sessions).
        receipt: activityReceipt(entry, receipts, now, viewerSessionHash !== null),
      };
    });
  } catch (error) {
    console.error(`[${logTag}] reading security activity failed`, error instanceof Error ? error.message : error);
    return null;
  }
}

function Icon({ item }: { item: ActivityItem }) {
  const className = 'size-4';
  if (item.kind === 'sign_in') return item.badges.length > 0 ? <ShieldAlert aria-hidden className={className} /> : <LogIn aria-hidden className={className} />;
  if (item.actorType === 'admin') return <UserCog aria-hidden className={className} />;
  return <LogOut aria-hidden className={className} />;
}

export function ActivityList({ activity }: { activity: ActivityItem[] | null }) {
  return (
    <section aria-labelledby="activity-heading" className="card">
      <div className="flex items-center gap-2">
        <History aria-hidden className="size-5 text-slate-500" />
        <h2 id="activity-heading" className="text-lg font-semibold">
          Security activity
        </h2>
      </div>
      <p className="mt-1 text-sm text-slate-600">Recent sign-ins and sign-outs on your account.</p>
      {activity === null ? (
        <p role="alert" className="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          Your security activity can&apos;t be shown right now. Reload the page to try again.
        </p>
      ) : activity.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600">Nothing yet. Sign-ins and sign-outs will show up here.</p>
      ) : (
        <ol aria-label="Security activity" className="mt-4 divide-y divide-slate-100">
          {activity.map((item) => (
            <li key={item.id} className="flex gap-3 py-3">
              <span
                className={`mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full ${
                  item.badges.length > 0 ? 'bg-amber-100 text-amber-800' : 'bg-slate-100 text-slate-600'
                }`}
              >
                <Icon item={item} />
              </span>
              <div className="min-w-0 flex-1">
                <p className="text-sm text-slate-900">
                  {item.text},{' '}
                  <LocalTime moment={item.at} className="text-slate-500" />
                </p>
                {item.badges.length > 0 ? (
                  <p className="mt-1 flex flex-wrap gap-1.5">
                    {item.badges.map((badge) => (
                      <span key={badge} className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">
                        {badge}
                      </span>
                    ))}
                  </p>
                ) : null}
                {item.receipt ? <ReceiptNote receipt={item.receipt} /> : null}
                {item.workosConfirmed ? (
                  <p className="mt-1 text-xs text-slate-600">
                    WorkOS confirmed at <LocalTime moment={item.workosConfirmed} show="time" />
                  </p>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
