import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerLoop } from './loop';

describe('TimerLoop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once on start, then after the delay each pass returns, and not after stop', async () => {
    vi.useFakeTimers();
    const delays = [100, 300, 50];
    let passes = 0;
    const loop = new TimerLoop(async () => delays[passes++] ?? 1_000);

    loop.start();
    loop.start(); // idempotent
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(passes).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(passes).toBe(3);

    await loop.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(passes).toBe(3);
  });

  it('waits for a pass in progress when stopped, and says a stop was asked for meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const loop = new TimerLoop(async () => {
      entered = true;
      await gate;
      return 1_000;
    });
    expect(loop.stopRequested).toBe(false);

    loop.start();
    await vi.waitFor(() => expect(entered).toBe(true));
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    expect(loop.stopRequested).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('can be started again after a stop', async () => {
    vi.useFakeTimers();
    let passes = 0;
    const loop = new TimerLoop(async () => {
      passes++;
      return 1_000;
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    await loop.stop();
    loop.start();
    expect(loop.stopRequested).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(2);
    await loop.stop();
  });
});
