// `node --import tsx scripts/compare-debezium.ts [--schemas on|off|both] [--json FILE]`
// Captures the every-type schema (cdc/testing/every-type.ts) with our capture and with Debezium
// Server 3.6 (bench/support/debezium-server.ts: from Maven Central, Java 21+), each from its own slot
// on the same database and publication into the same broker, then compares their topics event by
// event and field by field: keys, values, headers, schemas (when on), the transaction topic.
// Positions and times (LSNs of snapshot rows, ts_*), the topic prefix, and our own lakehouse.*
// headers are not compared. Prints each difference with how often it occurred and one example;
// docs/cdc.md records the last result with each remaining difference named and justified.
//
// Needs the local stack (LAKEHOUSE_STACK_DIR) and a Java 21+ (DEBEZIUM_JAVA_HOME or /usr/lib/jvm).
// Everything it makes (database, slots, topics, scratch folder) is dropped at the end.

import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../common/config.js';
import { setLogLevel } from '../common/log.js';
import { Capture } from '../cdc/capture.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_TABLES, everyTypeInitialRows, everyTypeWorkload } from '../cdc/testing/every-type.js';
import { schemaTopic } from '../contracts/change-event.js';
import { DEBEZIUM_VERSION, ensureDebeziumServer, postgresToKafkaProperties, startDebeziumServer } from '../bench/support/debezium-server.js';
import { defaultStack, stackEnv, stackUp } from '../stack/stack.js';
import { freshDatabase, uniqueName } from '../test/support/stack.js';
import { readTopics, type ReadMessage } from '../test/support/topics.js';

interface Side {
  prefix: string;
  /** Messages per topic suffix ("public.every_type", "transaction"), in stream order. */
  topics: Map<string, ReadMessage[]>;
}

export interface Difference {
  /** Where: topic suffix, part (key, value, header name) and JSON path with indexes as []. */
  where: string;
  count: number;
  example: { event: string; ours: unknown; debezium: unknown };
}

export interface RoundResult {
  schemas: boolean;
  events: { ours: number; debezium: number };
  differences: Difference[];
  /** Every message of both sides, paired (with --json). */
  pairs: { event: string; ours: ReadMessage | undefined; debezium: ReadMessage | undefined }[];
}

const NOT_COMPARED = [
  // Times: each side stamps its own.
  /^value\.(payload\.)?(ts_ms|ts_us|ts_ns)$/,
  /^value\.(payload\.)?source\.(ts_ms|ts_us|ts_ns)$/,
  // The transaction topic's commit time is compared; its processing time is not there.
];

async function waitStable(kafka: Kafka, topics: string[], quietMs: number, deadlineMs: number, atLeast: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const total = async () => {
    let n = 0;
    for (const t of topics) {
      try {
        n += (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
      } catch {
        // not created yet
      }
    }
    return n;
  };
  const deadline = Date.now() + deadlineMs;
  let last = -1;
  let since = Date.now();
  try {
    for (;;) {
      const n = await total();
      if (n !== last) {
        last = n;
        since = Date.now();
      } else if (n >= atLeast && Date.now() - since >= quietMs) return n;
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} hold ${n} messages after ${deadlineMs / 1000} s (expected at least ${atLeast})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

function byPosition(a: ReadMessage, b: ReadMessage): number {
  const pa = a.headers['lakehouse.position'] ?? '';
  const pb = b.headers['lakehouse.position'] ?? '';
  return pa < pb ? -1 : pa > pb ? 1 : Number(BigInt(a.offset) - BigInt(b.offset));
}

async function readSide(brokers: string, prefix: string, suffixes: string[], ours: boolean): Promise<Side> {
  const topics = new Map<string, ReadMessage[]>();
  const all = await readTopics(brokers, suffixes.map((s) => `${prefix}.${s}`));
  for (const s of suffixes) {
    const msgs = all.filter((m) => m.topic === `${prefix}.${s}`);
    // Ours spreads a topic over partitions and orders by its position header; Debezium's topics
    // here have one partition, in offset order.
    msgs.sort(ours ? byPosition : (a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    topics.set(s, msgs);
  }
  return { prefix, topics };
}

function parse(text: string | null, fromPrefix: string, toPrefix: string): unknown {
  if (text === null) return null;
  // Debezium's names carry its topic prefix where ours carry ours.
  const normalised = text.split(`"${fromPrefix}.`).join(`"${toPrefix}.`).split(`"${fromPrefix}"`).join(`"${toPrefix}"`);
  try {
    return JSON.parse(normalised);
  } catch {
    return { unparsable: text };
  }
}

function signature(m: ReadMessage, prefix: string): string {
  const v = parse(m.value, prefix, prefix) as { payload?: Record<string, unknown> } & Record<string, unknown> | null;
  const env = v && 'payload' in v && v.payload ? v.payload : v;
  const k = parse(m.key, prefix, prefix) as { payload?: unknown } | null;
  const key = k && typeof k === 'object' && 'payload' in k ? k.payload : k;
  const op = env ? String((env as Record<string, unknown>).op ?? (env as Record<string, unknown>).status ?? '?') : 'tombstone';
  return `${op} ${JSON.stringify(key)}`;
}

/** Pairs two event lists by a longest common subsequence of their signatures (op and key). */
function align<T>(a: T[], b: T[], sa: (x: T) => string, sb: (x: T) => string): [T | undefined, T | undefined][] {
  const A = a.map(sa);
  const B = b.map(sb);
  const L: number[][] = Array.from({ length: A.length + 1 }, () => new Array<number>(B.length + 1).fill(0));
  for (let i = A.length - 1; i >= 0; i--) for (let j = B.length - 1; j >= 0; j--) L[i]![j] = A[i] === B[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out: [T | undefined, T | undefined][] = [];
  let i = 0;
  let j = 0;
  while (i < A.length || j < B.length) {
    if (i < A.length && j < B.length && A[i] === B[j]) out.push([a[i++], b[j++]]);
    else if (j >= B.length || (i < A.length && L[i + 1]![j]! >= L[i]![j + 1]!)) out.push([a[i++], undefined]);
    else out.push([undefined, b[j++]]);
  }
  return out;
}

function diffJson(path: string, ours: unknown, theirs: unknown, out: (path: string, o: unknown, t: unknown) => void): void {
  if (NOT_COMPARED.some((r) => r.test(path))) return;
  if (ours && theirs && typeof ours === 'object' && typeof theirs === 'object' && Array.isArray(ours) === Array.isArray(theirs)) {
    if (Array.isArray(ours)) {
      const t = theirs as unknown[];
      if (ours.length !== t.length) return out(path, ours, theirs);
      // Connect struct fields are a list: name the field rather than its index.
      ours.forEach((x, i) => {
        const name = x && typeof x === 'object' && 'field' in x ? `{${String((x as { field: unknown }).field)}}` : '[]';
        diffJson(`${path}${name}`, x, t[i], out);
      });
      return;
    }
    const o = ours as Record<string, unknown>;
    const t = theirs as Record<string, unknown>;
    for (const k of new Set([...Object.keys(o), ...Object.keys(t)])) {
      if (!(k in t)) out(`${path}.${k}`, o[k], '(absent)');
      else if (!(k in o)) out(`${path}.${k}`, '(absent)', t[k]);
      else diffJson(`${path}.${k}`, o[k], t[k], out);
    }
    return;
  }
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) out(path, ours, theirs);
}

function compare(ours: Side, dbz: Side, schemas: boolean): RoundResult {
  const found = new Map<string, Difference>();
  const note = (where: string, event: string, o: unknown, t: unknown) => {
    const d = found.get(where);
    if (d) d.count++;
    else found.set(where, { where, count: 1, example: { event, ours: o, debezium: t } });
  };
  const pairs: RoundResult['pairs'] = [];
  let nOurs = 0;
  let nDbz = 0;
  for (const [suffix, mine] of ours.topics) {
    const theirs = dbz.topics.get(suffix) ?? [];
    nOurs += mine.length;
    nDbz += theirs.length;
    for (const [o, t] of align(mine, theirs, (m) => signature(m, ours.prefix), (m) => signature(m, dbz.prefix))) {
      const event = `${suffix} ${o ? signature(o, ours.prefix) : signature(t!, dbz.prefix)}`;
      pairs.push({ event, ours: o, debezium: t });
      if (!o || !t) {
        note(`${suffix}: ${o ? 'only ours has' : 'only Debezium has'} ${event.slice(suffix.length + 1).split(' ')[0]}`, event, o ? o.value : '(none)', t ? t.value : '(none)');
        continue;
      }
      const path = (p: string, a: unknown, b: unknown) => note(`${suffix}: ${p}`, event, a, b);
      diffJson('key', parse(o.key, ours.prefix, ours.prefix), parse(t.key, dbz.prefix, ours.prefix), path);
      diffJson('value', parse(o.value, ours.prefix, ours.prefix), parse(t.value, dbz.prefix, ours.prefix), path);
      const names = new Set([...Object.keys(o.headers), ...Object.keys(t.headers)].filter((h) => !h.startsWith('lakehouse.')));
      for (const h of names) diffJson(`header ${h}`, o.headers[h] === undefined ? '(absent)' : parse(o.headers[h]!, ours.prefix, ours.prefix), t.headers[h] === undefined ? '(absent)' : parse(t.headers[h]!, dbz.prefix, ours.prefix), path);
    }
  }
  return { schemas, events: { ours: nOurs, debezium: nDbz }, differences: [...found.values()], pairs };
}

async function round(schemas: boolean, dist: ReturnType<typeof ensureDebeziumServer>): Promise<RoundResult> {
  const stack = defaultStack();
  await stackUp(stack);
  const base = stackEnv(stack);
  const name = uniqueName('cmp');
  const url = await freshDatabase(base, name);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const env = {
    DATABASE_URL: url,
    KAFKA_BROKERS: base.KAFKA_BROKERS,
    TOPIC_PREFIX: name,
    CDC_SLOT: `${name}_slot`,
    CDC_PUBLICATION: `${name}_pub`,
    METRICS_PORT: '0',
    CDC_HEARTBEAT_INTERVAL_MS: '0',
    CDC_SCHEMAS_ENABLE: String(schemas),
    KAFKA_PARTITIONS: '1',
  };
  const config = loadConfig({ env: { ...env } });
  const dbzPrefix = `${name}_dbz`;
  const dbzSlot = `${name}_dbz_slot`;
  const suffixes = [...EVERY_TYPE_TABLES.map((t) => `public.${t}`), 'transaction'];
  const kafka = new Kafka({ clientId: 'compare-debezium', brokers: base.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const work = mkdtempSync(join(tmpdir(), 'dbz-compare-'));
  let capture: Capture | undefined;
  let done: Promise<void> | undefined;
  let dbz: ReturnType<typeof startDebeziumServer> | undefined;
  try {
    await db.query(EVERY_TYPE_DDL);
    for (const s of everyTypeInitialRows()) await db.query(s);
    let streaming: () => void = () => undefined;
    const ready = new Promise<void>((r) => (streaming = r));
    capture = new Capture(config, { onStreaming: () => streaming() });
    done = capture.run();
    await Promise.race([ready, done.then(() => { throw new Error('our capture ended before streaming'); })]);
    process.stdout.write(`ours streams; starting Debezium Server ${DEBEZIUM_VERSION} (Java ${dist.javaVersion}), schemas ${schemas ? 'on' : 'off'}...\n`);

    // The stack's broker creates no topics: Debezium's are made beforehand, one partition each.
    await admin.createTopics({ waitForLeaders: true, topics: suffixes.map((s) => ({ topic: `${dbzPrefix}.${s}`, numPartitions: 1, replicationFactor: 1 })) });
    dbz = startDebeziumServer(
      dist,
      work,
      postgresToKafkaProperties({
        databaseUrl: url,
        brokers: base.KAFKA_BROKERS,
        workdir: work,
        topicPrefix: dbzPrefix,
        slot: dbzSlot,
        publication: env.CDC_PUBLICATION,
        snapshotMode: 'initial',
        tables: EVERY_TYPE_TABLES.map((t) => `public.${t}`),
        decimalHandling: config.cdc.decimalHandling,
        tombstones: config.cdc.tombstones,
        transactionMetadata: true,
        schemasEnable: schemas,
      }),
    );
    const died = dbz.exited.then(({ code, signal }) => {
      throw new Error(`Debezium Server exited (${signal ?? `code ${code}`}).\n${dbz!.logDigest()}`);
    });
    died.catch(() => undefined);
    // Its snapshot (5 rows) on the broker means it streams from its slot from here on.
    const snapshotRows = 5;
    await Promise.race([waitStable(kafka, EVERY_TYPE_TABLES.map((t) => `${dbzPrefix}.public.${t}`), 3000, 240_000, snapshotRows), died]);
    process.stdout.write('Debezium took its snapshot; running the workload...\n');
    for (const s of everyTypeWorkload()) await db.query(s);
    const oursTopics = suffixes.map((s) => `${name}.${s}`);
    const dbzTopics = suffixes.map((s) => `${dbzPrefix}.${s}`);
    await Promise.race([Promise.all([waitStable(kafka, oursTopics, 8000, 240_000, 30), waitStable(kafka, dbzTopics, 8000, 240_000, 30)]), died]);
    const ours = await readSide(base.KAFKA_BROKERS, name, suffixes, true);
    const theirs = await readSide(base.KAFKA_BROKERS, dbzPrefix, suffixes, false);
    return compare(ours, theirs, schemas);
  } finally {
    await dbz?.stop();
    await capture?.stop().catch(() => undefined);
    await done?.catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    await db.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = any($1) and not active', [[env.CDC_SLOT, dbzSlot]]).catch(() => undefined);
    await db.end();
    const topics = [...suffixes.flatMap((s) => [`${name}.${s}`, `${dbzPrefix}.${s}`]), schemaTopic(name)];
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => undefined);
    await admin.disconnect();
    const a = new pg.Client({ connectionString: base.DATABASE_URL });
    await a.connect();
    await a.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`).catch(() => undefined);
    await a.end();
  }
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { schemas: { type: 'string', default: 'both' }, json: { type: 'string' } } });
  const modes = values.schemas === 'on' ? [true] : values.schemas === 'off' ? [false] : [true, false];
  setLogLevel('warn');
  const dist = ensureDebeziumServer();
  const results: RoundResult[] = [];
  for (const schemas of modes) {
    const r = await round(schemas, dist);
    results.push(r);
    process.stdout.write(`\nschemas ${schemas ? 'on' : 'off'}: ${r.events.ours} messages from ours, ${r.events.debezium} from Debezium Server ${DEBEZIUM_VERSION}; ${r.differences.length} differences\n`);
    for (const d of r.differences.sort((a, b) => a.where.localeCompare(b.where))) {
      process.stdout.write(`- ${d.where} (${d.count}x), e.g. ${d.example.event}\n    ours:     ${show(d.example.ours)}\n    debezium: ${show(d.example.debezium)}\n`);
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ at: new Date().toISOString(), debezium: DEBEZIUM_VERSION, results }, null, 2));
  else for (const r of results) r.pairs.length = 0;
  process.exit(0);
}

await main();
