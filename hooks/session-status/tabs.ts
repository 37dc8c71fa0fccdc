import { readTabMessage, TAB_CHANNEL, tabMessage } from '@/lib/session-status/protocol';
import type { EndedReason } from '@/lib/session-status/reasons';
import { openBroadcastChannel, type BroadcastChannelLike } from './broadcast';
import { probeSession, type Dispose, type OnEnded, type ProbeResult } from './probe';

export interface TabsOptions {
  /** null where BroadcastChannel does not exist. */
  createChannel?: (name: string) => BroadcastChannelLike | null;
  probe?: () => Promise<ProbeResult>;
}

export interface TabsWatch {
  /** Tells the other tabs of this browser that the session ended. */
  tell(reason: EndedReason): void;
  dispose: Dispose;
}

/**
 * The other tabs of this browser, both ways. A sibling may speak for an OLD session after this browser signed in
 * again (cookies are shared): its word is checked with the server, and trusted only when the server cannot be asked.
 */
export function watchTabs(onEnded: OnEnded, options: TabsOptions = {}): TabsWatch {
  const channel = (options.createChannel ?? openBroadcastChannel)(TAB_CHANNEL);
  const probe = options.probe ?? (() => probeSession());
  let disposed = false;
  if (channel) {
    channel.onmessage = (event) => {
      const said = readTabMessage(event.data);
      if (!said || disposed) return;
      probe().then(
        (result) => {
          if (result.status === 'ended') {
            onEnded({ reason: result.reason === 'session_ended' ? said : result.reason, fromOtherTab: true });
          }
        },
        () => onEnded({ reason: said, fromOtherTab: true }),
      );
    };
  }
  return {
    tell: (reason) => channel?.postMessage(tabMessage(reason)),
    dispose() {
      disposed = true;
      channel?.close();
    },
  };
}
