/** A BroadcastChannel as the tabs of one browser use it (a fake in tests). */
export type BroadcastChannelLike = Pick<BroadcastChannel, 'postMessage' | 'close'> & {
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
};

/** null where BroadcastChannel does not exist. */
export const openBroadcastChannel = (name: string): BroadcastChannelLike | null =>
  typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name);
