// The notifier's bounded queue: one FIFO per partition of the activities topic, released in
// stream-position order across partitions so that an employee's activities (which the capture
// spreads over partitions by activity id) reach Slack in the order they were committed. A
// partition whose FIFO is full is paused at the broker (the caller's `pause`), never dropped.
//
// The head with the smallest position may go once no other partition can still hold an earlier
// change: every other assigned partition either has a head of its own (later, since the smallest
// was picked) or has been read up to a high watermark taken after that head arrived. The capture
// acknowledges a change only after every earlier change, so an earlier change on another
// partition is always below that watermark.

export interface QueueItem {
  partition: number;
  offset: string;
  position: string;
  /** When the item entered the queue (ms). */
  arrivedAt: number;
}

export interface HighWatermark {
  high: bigint;
  takenAt: number;
}

export class MergeQueue<T extends QueueItem> {
  private readonly fifos = new Map<number, T[]>();
  /** Next offset the consumer will read, per partition. */
  private readonly nextOffset = new Map<number, bigint>();
  private readonly highs = new Map<number, HighWatermark>();
  private assigned: number[] = [];
  private wake: (() => void) | undefined;

  constructor(readonly capacity: number) {}

  /** A new assignment: what was queued is dropped (the consumer reads it again from the committed offsets). */
  reset(assigned: number[], committed: Map<number, bigint>): void {
    this.assigned = [...assigned];
    this.fifos.clear();
    this.nextOffset.clear();
    this.highs.clear();
    for (const p of assigned) {
      this.fifos.set(p, []);
      const c = committed.get(p);
      if (c !== undefined && c >= 0n) this.nextOffset.set(p, c);
    }
    this.signal();
  }

  /** Adds an item; returns true when its partition is now full and should be paused. */
  push(item: T): boolean {
    const fifo = this.fifos.get(item.partition);
    if (!fifo) return false;
    fifo.push(item);
    this.signal();
    return fifo.length >= this.capacity;
  }

  /** Records how far a partition has been read and its high watermark at that time. */
  read(partition: number, nextOffset: bigint, high: bigint | undefined, at: number): void {
    if (!this.fifos.has(partition)) return;
    const prev = this.nextOffset.get(partition);
    if (prev === undefined || nextOffset > prev) this.nextOffset.set(partition, nextOffset);
    if (high !== undefined) this.setHigh(partition, high, at);
    this.signal();
  }

  setHigh(partition: number, high: bigint, at: number): void {
    const prev = this.highs.get(partition);
    if (!prev || at >= prev.takenAt) this.highs.set(partition, { high, takenAt: at });
  }

  size(): number {
    let n = 0;
    for (const f of this.fifos.values()) n += f.length;
    return n;
  }

  sizeOf(partition: number): number {
    return this.fifos.get(partition)?.length ?? 0;
  }

  /** The earliest head and whether it may go; `blockers` are partitions that could still hold an earlier change. */
  peek(): { item: T; blockers: number[] } | undefined {
    let best: T | undefined;
    for (const f of this.fifos.values()) {
      const h = f[0];
      if (h && (!best || h.position < best.position)) best = h;
    }
    if (!best) return undefined;
    const blockers: number[] = [];
    for (const p of this.assigned) {
      if (p === best.partition || (this.fifos.get(p)?.length ?? 0) > 0) continue;
      const hw = this.highs.get(p);
      const next = this.nextOffset.get(p);
      const caughtUp = hw !== undefined && hw.takenAt >= best.arrivedAt && next !== undefined && next >= hw.high;
      if (!caughtUp) blockers.push(p);
    }
    return { item: best, blockers };
  }

  /** Every waiting item, in no particular order (for work done ahead, such as a batch lookup). */
  items(): T[] {
    return [...this.fifos.values()].flat();
  }

  /** Removes the head of a partition (after peek said it may go). */
  shift(partition: number): T | undefined {
    return this.fifos.get(partition)?.shift();
  }

  /** Partitions whose queue is empty and whose read position is unknown: they start at their high watermark. */
  assume(partition: number, next: bigint): void {
    if (!this.nextOffset.has(partition)) this.nextOffset.set(partition, next);
  }

  describe(): string {
    return this.assigned.map((p) => `p${p} queued=${this.fifos.get(p)?.length ?? 0} next=${this.nextOffset.get(p)} high=${this.highs.get(p)?.high}`).join(' ');
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves when something changes, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        if (this.wake === done) this.wake = undefined;
        resolve();
      }, ms);
      const prev = this.wake;
      const done = () => {
        clearTimeout(t);
        prev?.();
        resolve();
      };
      this.wake = done;
    });
  }
}
