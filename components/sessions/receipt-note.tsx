'use client';

import { CheckCheck, LoaderCircle, WifiOff } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { LocalTime } from '@/components/local-time';
import { useReceipt } from '@/hooks/use-receipt';
import { describeMoment, formatDelay, type Moment } from '@/lib/sessions/time';

/** Whether a signed-out device's open page was told (lib/revocation/receipts), as the activity list shows it. */
export interface ActivityReceipt {
  sessionHash: string;
  device: string;
  told: { at: Moment; afterMs: number } | null;
  /** How much longer (ms, at render) a receipt is awaited; 0 once it came or the time is up. */
  waitMs: number;
  /** Asks for it as it comes (the person's own page); otherwise the page is reloaded once the time is up. */
  live: boolean;
}

/** "Safari on iOS was told at 12:03:04 (0.2 s later)", "Telling Safari on iOS…", or "… was not online". */
export function ReceiptNote({ receipt }: { receipt: ActivityReceipt }) {
  const { receipt: came, waiting } = useReceipt(receipt.sessionHash, receipt.waitMs, receipt.live);
  const router = useRouter();
  const told = came ? { at: describeMoment(new Date(came.toldAt), new Date()), afterMs: came.toldAt - came.revokedAt } : receipt.told;
  const timedOut = !told && !waiting && receipt.waitMs > 0;
  useEffect(() => {
    // An administrator's page cannot ask for another person's receipts: it reads them again, once.
    if (timedOut && !receipt.live) router.refresh();
  }, [timedOut, receipt.live, router]);

  const icon = 'mr-1 inline size-3.5 align-[-2px]';
  return (
    <span className="mt-1 block text-xs text-slate-600" aria-live="polite" data-receipt={told ? 'told' : waiting ? 'waiting' : 'not-online'}>
      {told ? (
        <>
          <CheckCheck aria-hidden className={`${icon} text-emerald-600`} />
          {receipt.device} was told at <LocalTime moment={told.at} show="time" /> ({formatDelay(told.afterMs)} later)
        </>
      ) : waiting ? (
        <>
          <LoaderCircle aria-hidden className={`${icon} animate-spin`} />
          Telling {receipt.device}…
        </>
      ) : (
        <>
          <WifiOff aria-hidden className={icon} />
          {receipt.device} was not online — it will be refused on its next request
        </>
      )}
    </span>
  );
}
