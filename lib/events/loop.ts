/**
 * A background loop: runs `pass` at once on start(), then again after the delay (ms) each pass resolves with, until
 * stopped. `pass` must not reject. Its timer never keeps the process alive on its own.
 */
export class TimerLoop {
  private readonly pass: () => Promise<number>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private state: 'idle' | 'started' | 'stopped' = 'idle';

  constructor(pass: () => Promise<number>) {
    this.pass = pass;
  }

  /** True once stop() was called (and start() not since): a pass in progress may cut its work short. */
  get stopRequested(): boolean {
    return this.state === 'stopped';
  }

  /** Idempotent. */
  start(): void {
    if (this.state === 'started') return;
    this.state = 'started';
    this.schedule(0);
  }

  /** Stops scheduling and waits for a pass in progress to finish. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.state !== 'started') return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass().then((next) => {
        this.running = null;
        this.schedule(next);
      });
    }, delayMs);
    this.timer.unref?.();
  }
}
