/**
 * Counters of the refresh coordinator, per process, for operators (/api/health?detail, with OPS_TOKEN) and the
 * soak benchmark. `waits` keeps the time requests spent waiting on another request's refresh.
 */
export type RefreshCounter =
  | 'grants'
  | 'joined'
  | 'shared'
  | 'waited'
  | 'slow'
  | 'ended'
  | 'reused'
  | 'lost_race_recovered'
  | 'lost_race_retry'
  | `grant_${'invalid_grant' | 'rejected' | 'unavailable'}`
  | `retry_${'busy' | 'slow' | 'unavailable' | 'unconfirmed' | 'lost_race'}`;

const MAX_SAMPLES = 4_096;

export interface RefreshMetricsSnapshot {
  counters: Partial<Record<RefreshCounter, number>>;
  /** Time (ms) requests waited on another request's refresh: joined, shared or waited. */
  waitMs: { n: number; p50: number | null; p99: number | null; max: number | null };
}

export class RefreshMetrics {
  private readonly counters = new Map<RefreshCounter, number>();
  private readonly samples: number[] = [];
  private next = 0;
  private seen = 0;

  count(name: RefreshCounter): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + 1);
  }

  observeWait(ms: number): void {
    this.seen += 1;
    // A ring of the latest samples: enough for percentiles without growing with traffic.
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % MAX_SAMPLES;
  }

  snapshot(): RefreshMetricsSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : null);
    return {
      counters: Object.fromEntries(this.counters),
      waitMs: { n: this.seen, p50: at(0.5), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : null },
    };
  }
}
