// The notifier: a consumer group on the activities topic that posts one Slack message per live
// insert that silver accepted, exactly once across crashes.
//
//   activities topic ──► MergeQueue (bounded per partition, pauses the partition when full,
//                        released in commit order) ──► one sender: record? history? silver's
//                        verdict (silver-view.ts: wait until silver judged the change; accepted,
//                        and the employee still in silver?) ──► post ──► record topic
//                        (compacted) ──► offset commit
//
// The topic gives what is news (a live insert, its key and position, in commit order); silver
// gives whether it may be announced and what to say: the activity and the employee as silver
// holds them. An activity the quality gate quarantines, or whose employee silver no longer has,
// is never posted; one silver has not judged yet waits at the head of the queue, and the
// consumer offset does not move past it.
//
// Exactly once: every message has a key "<schema>.<table>/<primary key>/<position>" that is the
// same whenever the capture re-sends the change. The key travels in the Slack message's metadata
// and, once Slack accepted the message, is written to the compacted record topic; the consumer
// offset is committed after that. After a (re)start or a rebalance the notifier reads the record
// back and the channel's history from where the record may be behind (the last recorded post of
// each partition), and skips every key found in either. A call that failed without a clear
// answer (timeout, connection reset, HTTP 5xx) is checked against the history before it is
// retried. See docs/notifier.md.

import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import type { Config } from '../common/config.js';
import { UserError, errorMessage } from '../common/errors.js';
import { logger } from '../common/log.js';
import { POSITION_HEADER, topicFor, unwrapEnvelope } from '../contracts/change-event.js';
import { ConsumerLagProbe } from '../monitoring/consumer-lag.js';
import * as metrics from '../monitoring/metrics.js';
import { MessageFormatter, type ActivityFacts } from './format.js';
import { MergeQueue, type QueueItem } from './merge-queue.js';
import { SilverView, type Verdict } from './silver-view.js';
import type { Sink } from './slack.js';
import { TopicReader } from '../common/topic-reader.js';

const log = logger('notify');

export interface NotifierOptions {
  brokers: string[];
  clientId: string;
  prefix: string;
  groupId: string;
  activities: { schema: string; table: string };
  employees: { schema: string; table: string };
  recordTopic: string;
  channel: string;
  queueSize: number;
  historyLookbackHours: number;
  sessionTimeoutMs: number;
  partitions: number;
  replicationFactor: number;
  /** The lake whose silver tables say what may be announced. */
  lakeRoot: string;
  /** How often silver is looked at again while the next activity waits for its verdict. */
  silverPollMs: number;
}

export function notifierOptions(config: Config): NotifierOptions {
  const table = (s: string, what: string) => {
    const m = /^([^.]+)\.([^.]+)$/.exec(s);
    if (!m) throw new UserError(`${what} must be schema.table, got "${s}"`, { fix: `e.g. public.activities` });
    return { schema: m[1]!, table: m[2]! };
  };
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    prefix: config.kafka.topicPrefix,
    groupId: config.notify.groupId,
    activities: table(config.notify.activitiesTable, 'notify.activitiesTable'),
    employees: table(config.notify.employeesTable, 'notify.employeesTable'),
    recordTopic: config.notify.recordTopic || `${config.kafka.topicPrefix}.notify.sent`,
    channel: config.slack.channel,
    queueSize: config.notify.queueSize,
    historyLookbackHours: config.notify.historyLookbackHours,
    sessionTimeoutMs: config.notify.sessionTimeoutMs,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    lakeRoot: config.lake.root,
    silverPollMs: 200,
  };
}

interface Item extends QueueItem {
  key: string;
  generation: number;
  /** The activity's primary key, from the event's key. */
  pk: Record<string, unknown>;
  commitTsMs: number;
  /** Silver's last answer, and the table versions it was given at. */
  verdict?: Verdict;
  verdictAt?: string;
}

interface RecordValue {
  ts: string;
  channel: string;
  partition: number;
  offset: string;
  postedAt: number;
}

/** The exactly-once key of a change: table, primary key (as the event's key JSON), position. */
export function messageKey(schema: string, table: string, keyJson: string, position: string): string {
  const pk = primaryKeyOf(keyJson);
  return `${schema}.${table}/${pk ? JSON.stringify(pk) : keyJson}/${position}`;
}

/** The primary key columns and values of an event's key (plain or `{schema, payload}`), or undefined. */
function primaryKeyOf(keyJson: string): Record<string, unknown> | undefined {
  try {
    const k = JSON.parse(keyJson) as Record<string, unknown>;
    const pk = k && typeof k === 'object' && 'payload' in k && 'schema' in k ? k.payload : k;
    return pk && typeof pk === 'object' && !Array.isArray(pk) ? (pk as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** How many activities behind the head are judged with it, in one read of each silver table. */
const JUDGE_AHEAD = 200;
/** How often the log says what the head of the queue waits for. */
const WAITING_LOG_MS = 30_000;

export class Notifier {
  private readonly kafka: Kafka;
  private admin!: Admin;
  private producer!: Producer;
  private consumer!: Consumer;
  private reader!: TopicReader;
  private readonly topic: string;
  private readonly silver: SilverView;
  private waitingSince: { key: string; at: number; told: number } | undefined;
  private readonly record = new Map<string, RecordValue>();
  /** Latest Slack ts recorded per partition of the activities topic (seconds). */
  private readonly recordedUpTo = new Map<number, number>();
  private readonly inHistory = new Map<string, string>();
  private readonly queue: MergeQueue<Item>;
  private readonly pending = new Map<number, bigint[]>();
  private readonly readUpTo = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();
  private readonly paused = new Set<number>();
  private generation = 0;
  private recovery: Promise<void> = new Promise(() => undefined);
  private running = false;
  private fatal: ((e: Error) => void) | undefined;
  private stopped: (() => void) | undefined;
  private readonly formatter: MessageFormatter;

  constructor(
    private readonly opts: NotifierOptions,
    private readonly sink: Sink,
    formatter?: MessageFormatter,
    private readonly hooks: { onReady?: () => void } = {},
  ) {
    this.kafka = new Kafka({ clientId: `${opts.clientId}-notify`, brokers: opts.brokers, logLevel: logLevel.NOTHING });
    this.topic = topicFor(opts.prefix, opts.activities.schema, opts.activities.table);
    this.silver = new SilverView({ lakeRoot: opts.lakeRoot, topic: this.topic, activities: opts.activities, employees: opts.employees });
    this.queue = new MergeQueue<Item>(opts.queueSize);
    this.formatter = formatter ?? new MessageFormatter();
  }

  /** Runs until stop() (resolves) or a fatal error (rejects: bad token, unknown channel, broker gone). */
  async run(): Promise<void> {
    await this.sink.start();
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.waitForTopics([this.topic]);
    await this.ensureRecordTopic();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    await this.producer.connect();
    this.reader = new TopicReader(this.kafka, this.admin, [this.opts.recordTopic], this.opts.groupId, (t, p, m) => this.onRecordMessage(t, p, m));
    await this.reader.start();
    await this.startNewGroupAtEnd();

    this.running = true;
    const done = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      this.stopped = resolve;
    });
    this.consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.opts.sessionTimeoutMs / 3)),
      maxBytesPerPartition: 256 * 1024,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment[this.topic] ?? []));
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.fail(new UserError(`the notifier's consumer stopped: ${errorMessage(e.payload.error)}`, { where: `kafka.brokers ${this.opts.brokers.join(',')}`, fix: 'check that the broker is up, then start lakehouse notify again' }));
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 16, eachBatch: (p) => this.onBatch(p) });

    const sender = this.sendLoop().catch((e: Error) => this.fail(e));
    const commits = setInterval(() => void this.commit().catch((e: Error) => log.debug(`commit: ${e.message}`)), 500);
    const lag = new ConsumerLagProbe(this.admin, this.opts.groupId, () => [this.topic]);
    lag.start();
    try {
      await done;
    } finally {
      this.running = false;
      lag.stop();
      clearInterval(commits);
      await sender;
      await this.commit().catch(() => undefined);
      await this.consumer.disconnect().catch(() => undefined);
      await this.reader.stop();
      await this.producer.disconnect().catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped?.();
  }

  private fail(e: Error): void {
    this.running = false;
    metrics.errorsTotal.inc({ stage: 'notify' });
    this.fatal?.(e);
  }

  private async waitForTopics(topics: string[]): Promise<void> {
    let told = false;
    for (;;) {
      const existing = new Set(await this.admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      if (!told) log.info(`waiting for ${missing.join(', ')}: they appear when lakehouse cdc captures the tables (TOPIC_PREFIX=${this.opts.prefix})`);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  private async ensureRecordTopic(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    if (existing.has(this.opts.recordTopic)) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: this.opts.recordTopic, numPartitions: 1, replicationFactor: this.opts.replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    log.info(`created the record topic ${this.opts.recordTopic} (compacted)`);
  }

  /** A group that never ran starts at the end of the topic: the history of activities is not announced. */
  private async startNewGroupAtEnd(): Promise<void> {
    const offsets = await this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.topic] });
    const parts = offsets.find((o) => o.topic === this.topic)?.partitions ?? [];
    if (parts.some((p) => p.offset !== '-1')) return;
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    try {
      await this.admin.setOffsets({ groupId: this.opts.groupId, topic: this.topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
      log.info(`new consumer group ${this.opts.groupId}: announcing activities inserted from now on`);
    } catch (e) {
      log.debug(`could not set the new group's offsets (another instance started it?): ${errorMessage(e)}`);
    }
  }

  private onRecordMessage(topic: string, partition: number, m: KafkaMessage): void {
    try {
      if (!m.key || !m.value) return;
      const v = JSON.parse(m.value.toString()) as RecordValue;
      if (v.channel !== this.opts.channel) return;
      this.record.set(m.key.toString(), v);
      const ts = Number(v.ts);
      if (Number.isFinite(ts) && ts > (this.recordedUpTo.get(v.partition) ?? 0)) this.recordedUpTo.set(v.partition, ts);
    } catch (e) {
      log.warn(`skipping an unreadable message on ${topic}[${partition}]@${m.offset}: ${errorMessage(e)}`);
    }
  }

  private onAssignment(partitions: number[]): void {
    const generation = ++this.generation;
    this.pending.clear();
    this.paused.clear();
    this.readUpTo.clear();
    log.info(`assigned partitions ${partitions.join(',') || '(none)'} of ${this.topic}`);
    this.recovery = (async () => {
      const committed = new Map<number, bigint>();
      const offsets = await this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.topic] });
      const lows = new Map((await this.admin.fetchTopicOffsets(this.topic)).map((o) => [o.partition, BigInt(o.low)]));
      for (const p of offsets.find((o) => o.topic === this.topic)?.partitions ?? []) {
        committed.set(p.partition, p.offset === '-1' ? (lows.get(p.partition) ?? 0n) : BigInt(p.offset));
      }
      if (generation !== this.generation) return;
      this.queue.reset(partitions, committed);
      for (const [p, c] of committed) this.committed.set(p, c);
      for (const p of partitions) this.pending.set(p, []);
      // Resume anything a previous assignment paused.
      this.consumer.resume([{ topic: this.topic }]);
      await this.recover(partitions);
      this.hooks.onReady?.();
    })();
    this.recovery.catch((e: Error) => this.fail(e));
  }

  /** Reads the record to its end, then the channel's history where the record may be behind. */
  private async recover(partitions: number[]): Promise<void> {
    if (!(await this.reader.catchUp(60000))) log.warn('the record topic is slow to read; going on with what was read');
    await this.silver.refresh();
    const employees = await this.silver.employeeCount();
    const known = employees === undefined ? `no employees known yet (${this.silver.employeesPath} does not exist in ${this.opts.lakeRoot})` : `${employees} employees known (${this.silver.employeesPath})`;
    if (this.sink.name !== 'slack' || partitions.length === 0) {
      log.info(`ready: ${this.record.size} messages in the record, ${known}`);
      return;
    }
    const lookback = Date.now() / 1000 - this.opts.historyLookbackHours * 3600;
    let oldest = Infinity;
    for (const p of partitions) {
      const t = this.recordedUpTo.get(p);
      // Posts after the last recorded one of a partition may be missing from the record. A
      // margin covers clock differences between Slack's ts and the order of records.
      oldest = Math.min(oldest, t === undefined ? lookback : t - 120);
    }
    oldest = Math.max(oldest, lookback);
    const keys = await this.sink.postedKeys(oldest);
    for (const [k, ts] of keys) this.inHistory.set(k, ts);
    const behind = [...keys.keys()].filter((k) => !this.record.has(k)).length;
    log.info(`ready: ${this.record.size} messages in the record, ${keys.size} of ours in the channel since ${new Date(oldest * 1000).toISOString()} (${behind} not yet recorded), ${known}`);
  }

  private async onBatch({ batch, heartbeat, pause, isStale, isRunning }: EachBatchPayload): Promise<void> {
    const generation = this.generation;
    const partition = batch.partition;
    await this.recovery;
    const pending = this.pending.get(partition);
    if (generation !== this.generation || !pending) {
      log.debug(`batch ${partition} from an earlier assignment: left for the new one`);
      return;
    }
    const now = Date.now();
    let last: bigint | undefined;
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) {
        log.debug(`batch ${partition} stale at ${m.offset}`);
        return;
      }
      last = BigInt(m.offset);
      if (!m.value) continue; // tombstone after a delete
      let parsed: ReturnType<typeof unwrapEnvelope>;
      try {
        parsed = unwrapEnvelope(JSON.parse(m.value.toString()));
      } catch (e) {
        log.warn(`skipping an unreadable event on ${batch.topic}[${partition}]@${m.offset}: ${errorMessage(e)}`);
        continue;
      }
      const { event } = parsed;
      // Only live inserts are news: snapshot rows (r), updates, deletes and truncates are not.
      if (event.op !== 'c' || !event.after) continue;
      const position = m.headers?.[POSITION_HEADER]?.toString() ?? `${partition}/${m.offset}`;
      const keyJson = m.key?.toString() ?? 'null';
      const item: Item = {
        partition,
        offset: m.offset,
        position,
        arrivedAt: now,
        generation,
        key: messageKey(this.opts.activities.schema, this.opts.activities.table, keyJson, position),
        pk: primaryKeyOf(keyJson) ?? {},
        commitTsMs: event.source?.ts_ms ?? event.ts_ms,
      };
      pending.push(last);
      if (this.queue.push(item) && !this.paused.has(partition)) {
        // Full: stop fetching this partition until the sender has worked the queue down.
        this.paused.add(partition);
        pause();
        log.debug(`queue full for partition ${partition}: pausing it`);
      }
    }
    log.debug(`batch ${partition}: ${batch.firstOffset()}..${batch.lastOffset()} high ${batch.highWatermark}, queue ${this.queue.sizeOf(partition)}`);
    if (last !== undefined) {
      this.readUpTo.set(partition, last + 1n);
      this.queue.read(partition, last + 1n, BigInt(batch.highWatermark), now);
    }
    metrics.notifyQueueDepth.set(this.queue.size());
    await heartbeat().catch(() => undefined);
  }

  private async refreshHighs(): Promise<void> {
    const at = Date.now();
    for (const o of await this.admin.fetchTopicOffsets(this.topic)) this.queue.setHigh(o.partition, BigInt(o.high), at);
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      await Promise.race([this.recovery, new Promise((r) => setTimeout(r, 200))]);
      const next = this.queue.peek();
      if (!next) {
        await this.queue.changed(200);
        continue;
      }
      if (next.blockers.length > 0) {
        // Another partition may still hold an earlier change: look at its high watermark.
        await this.refreshHighs();
        const again = this.queue.peek();
        if (again && again.item === next.item && again.blockers.length > 0) {
          if (Date.now() - again.item.arrivedAt > 5000) log.debug(`waiting for partitions ${again.blockers.join(',')} before ${again.item.key}: ${this.queue.describe()}`);
          await this.queue.changed(50);
        }
        continue;
      }
      if (!this.posted(next.item)) {
        const verdict = await this.verdictOf(next.item);
        if (verdict.kind === 'waiting') {
          this.tellWaiting(next.item, verdict.reason);
          await new Promise((r) => setTimeout(r, this.opts.silverPollMs));
          continue;
        }
        // A rebalance while silver was read resets the queue: the head judged may be gone.
        if (this.queue.peek()?.item !== next.item) continue;
      }
      this.waitingSince = undefined;
      const item = this.queue.shift(next.item.partition)!;
      await this.deliver(item);
      if (item.generation === this.generation) {
        const pending = this.pending.get(item.partition);
        if (pending && pending[0] === BigInt(item.offset)) pending.shift();
        if (this.paused.has(item.partition) && this.queue.sizeOf(item.partition) <= this.opts.queueSize / 2) {
          this.paused.delete(item.partition);
          this.consumer.resume([{ topic: this.topic, partitions: [item.partition] }]);
        }
      }
      metrics.notifyQueueDepth.set(this.queue.size());
    }
  }

  /** Posted already, as far as the record or the channel's history say. */
  private posted(item: Item): boolean {
    return this.record.has(item.key) || this.inHistory.has(item.key);
  }

  /**
   * Silver's answer for an activity, as of silver's newest versions. The activities waiting
   * behind it are judged in the same reads, and their answers kept until silver moves on.
   */
  private async verdictOf(item: Item): Promise<Verdict> {
    const at = await this.silver.refresh();
    if (item.verdict && item.verdictAt === at) return item.verdict;
    const batch = [item, ...this.queue.items().filter((i) => i !== item && !this.posted(i) && i.verdictAt !== at).slice(0, JUDGE_AHEAD)];
    const verdicts = await this.silver.judge(batch.map((i) => ({ partition: i.partition, offset: i.offset, position: i.position, key: i.pk })));
    batch.forEach((i, n) => {
      i.verdict = verdicts[n];
      i.verdictAt = at;
    });
    return item.verdict!;
  }

  /** Says, now and then, what the next activity waits for (silver not running, a held batch, …). */
  private tellWaiting(item: Item, reason: string): void {
    const now = Date.now();
    if (this.waitingSince?.key !== item.key) this.waitingSince = { key: item.key, at: now, told: now };
    else if (now - this.waitingSince.told >= WAITING_LOG_MS) {
      this.waitingSince.told = now;
      log.info(`waiting ${Math.round((now - this.waitingSince.at) / 1000)} s for silver to judge ${item.key}: ${reason}`);
    }
  }

  private async deliver(item: Item): Promise<void> {
    if (this.record.has(item.key)) {
      metrics.notifySkippedTotal.inc({ found_in: 'record' });
      return;
    }
    const seen = this.inHistory.get(item.key);
    if (seen !== undefined) {
      metrics.notifySkippedTotal.inc({ found_in: 'history' });
      log.info(`already in the channel, not posted again: ${item.key}`);
      await this.writeRecord(item, seen);
      return;
    }
    const verdict = item.verdict;
    if (verdict?.kind !== 'accepted') {
      // sendLoop only lets an item through with silver's verdict; without one this is a bug, and
      // stopping loses nothing (the offset stays before the activity)
      if (verdict?.kind !== 'withheld') throw new Error(`no verdict from silver for ${item.key}`);
      // Nothing is recorded: after a restart the same question gets the same answer from silver.
      metrics.notifyWithheldTotal.inc({ reason: verdict.reason });
      log.info(`not announced: ${item.key}: ${verdict.detail}`);
      return;
    }
    const { activity, employee } = verdict;
    const message = this.formatter.format(facts(activity, employee));
    const ts = await this.sink.post({
      key: item.key,
      text: message.text,
      plain: message.plain,
      blocks: message.blocks,
      payload: {
        table: `${this.opts.activities.schema}.${this.opts.activities.table}`,
        position: item.position,
        ...(activity.activity_id !== undefined && activity.activity_id !== null ? { activity_id: Number(activity.activity_id) } : {}),
        ...(activity.employee_id !== undefined && activity.employee_id !== null ? { employee_id: Number(activity.employee_id) } : {}),
        committed_at_ms: item.commitTsMs,
      },
    });
    if (Number.isFinite(item.commitTsMs)) metrics.notifyCommitToSlackSeconds.observe(Math.max(0, Date.now() - item.commitTsMs) / 1000);
    await this.writeRecord(item, ts);
  }

  private async writeRecord(item: Item, ts: string): Promise<void> {
    const value: RecordValue = { ts, channel: this.opts.channel, partition: item.partition, offset: item.offset, postedAt: Date.now() };
    this.record.set(item.key, value);
    await this.producer.send({ topic: this.opts.recordTopic, acks: -1, messages: [{ key: item.key, value: JSON.stringify(value) }] });
  }

  private async commit(): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (const [p, pending] of this.pending) {
      const upTo = pending.length > 0 ? pending[0]! : this.readUpTo.get(p);
      if (upTo === undefined) continue;
      if (upTo > (this.committed.get(p) ?? -1n)) offsets.push({ topic: this.topic, partition: p, offset: upTo.toString() });
    }
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets);
    for (const o of offsets) this.committed.set(o.partition, BigInt(o.offset));
  }
}

/** The message's facts from silver's rows (lake values: a decimal is a string, an int a number). */
function facts(activity: Record<string, unknown>, employee: Record<string, unknown>): ActivityFacts {
  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v) ? v : (typeof v === 'string' || typeof v === 'bigint') && String(v).trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    firstName: text(employee.first_name),
    lastName: text(employee.last_name),
    sport: text(activity.sport_type) ?? 'sport',
    distanceM: num(activity.distance_m),
    elapsedS: num(activity.elapsed_s),
    comment: text(activity.comment),
  };
}
