/** Time source for everything that expires; tests inject a controllable clock. */
export interface Clock {
  now(): number;
}

/** A clock that follows real time plus an offset that tests can advance. */
export function createOffsetClock(): Clock & { advance(ms: number): void; set(offsetMs: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
    set: (offsetMs: number) => {
      offset = offsetMs;
    },
  };
}
