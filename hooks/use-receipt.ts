'use client';

import { useEffect, useState } from 'react';
import { MAX_RECEIPT_QUERY, readReceiptsAnswer, RECEIPTS_URL, type ReceiptView } from '@/lib/session-status/protocol';

/**
 * Between two asks while some receipt on the page is awaited (one request for all of them): soon at first, when
 * the word usually comes, then once a second — about eight asks in a wait.
 */
const FIRST_ASK_MS = 150;
const MAX_ASK_INTERVAL_MS = 1_000;

type Listener = (receipt: ReceiptView) => void;
const awaited = new Map<string, Set<Listener>>();
let timer: ReturnType<typeof setTimeout> | null = null;
let asked = 0;

async function askOnce(): Promise<void> {
  const hashes = [...awaited.keys()].slice(0, MAX_RECEIPT_QUERY);
  if (hashes.length === 0) return;
  try {
    const response = await fetch(`${RECEIPTS_URL}?sessions=${hashes.join(',')}`, { cache: 'no-store' });
    if (!response.ok) return;
    for (const receipt of readReceiptsAnswer(await response.json())) {
      for (const listener of awaited.get(receipt.sessionHash) ?? []) listener(receipt);
    }
  } catch {
    // offline or refused: the next round asks again, and the session guard handles a refusal
  }
}

function schedule(): void {
  if (timer) return;
  if (awaited.size === 0) {
    asked = 0;
    return;
  }
  timer = setTimeout(
    async () => {
      await askOnce();
      timer = null;
      schedule();
    },
    Math.min(MAX_ASK_INTERVAL_MS, FIRST_ASK_MS * 2 ** asked++),
  );
}

/** Calls `listener` when the receipt of `sessionHash` comes; returns the stop. */
export function awaitReceipt(sessionHash: string, listener: Listener): () => void {
  let listeners = awaited.get(sessionHash);
  if (!listeners) {
    awaited.set(sessionHash, (listeners = new Set()));
    asked = 0; // a new wait: its first asks come soon
  }
  listeners.add(listener);
  schedule();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) awaited.delete(sessionHash);
  };
}

/**
 * The receipt of a revoked session, as it comes: asked for during `waitMs` (while the page is open), then no longer
 * awaited. `waiting` is true until it came or the time is up.
 */
export function useReceipt(sessionHash: string, waitMs: number, live: boolean): { receipt: ReceiptView | null; waiting: boolean } {
  const [receipt, setReceipt] = useState<ReceiptView | null>(null);
  const [waiting, setWaiting] = useState(waitMs > 0);
  useEffect(() => {
    if (waitMs <= 0) return;
    const stop = live
      ? awaitReceipt(sessionHash, (came) => {
          setReceipt(came);
          setWaiting(false);
        })
      : () => {};
    const deadline = setTimeout(() => setWaiting(false), waitMs);
    return () => {
      stop();
      clearTimeout(deadline);
    };
  }, [sessionHash, waitMs, live]);
  return { receipt, waiting };
}
