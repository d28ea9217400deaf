// The silver writer: one current-state table per bronze table, kept by reading bronze as a stream.
//
//   bronze/<s>/<t> commits after the last one applied ──► rows in change order (_position)
//     ──► quality gate (quarantined changes never reach silver) ──► plan (last change per key,
//     truncates, unchanged TOASTed values) ──► one MERGE (or, after a truncate, one overwrite)
//     into silver/<s>/<t> carrying txn { appId: "bronze/<s>/<t>", version: bronze version }
//     and, per source partition, bronze's own txn { appId: "<topic>-<partition>", version: offset }
//
// Exactly once: the silver commit records the bronze version it reached, in the same commit as
// the rows; a restart, or a second silver process, starts from there. Silver needs nothing but
// the lake: no broker, no state of its own.
//
// The source offsets say, in the change topic's terms, which changes silver has judged: a change
// at or below them was either merged or quarantined (or was a dead letter bronze never held).
// The notifier waits on them before it announces an activity (docs/notifier.md).

import { hostname } from 'node:os';
import { UserError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import * as metrics from '../../monitoring/metrics.js';
import { compactIfNeeded, type CompactionPolicy } from '../compaction.js';
import { ConcurrentModificationError, DeltaTable, type Add, type ColumnSpec, type Row } from '../index.js';
import { layerPath, splitTableName, tablesInLayer } from '../layers.js';
import { BRONZE_METADATA, PRIMARY_KEY_PROPERTY } from '../bronze/rows.js';
import { byPosition, keyOf, planChanges, type Plan } from './plan.js';
import { passAll, type ChangeGate } from './gate.js';

const log = logger('silver');

/** Names this process in the commitInfo of each commit it makes (engineInfo). */
const ENGINE = `lakehouse-silver/${hostname()}:${process.pid}`;

/** A `fail` quality rule broke: the stage stops, and resumes at the same batch after the fix. */
export class QualityStop extends UserError {}

/** Metadata columns of every silver table, after the source columns. */
export const SILVER_METADATA: ColumnSpec[] = [
  { name: '_op', type: 'string' },
  { name: '_lsn', type: 'long' },
  { name: '_position', type: 'string' },
  { name: '_source_ts', type: 'timestamp' },
  { name: '_updated_at', type: 'timestamp' },
];
const BRONZE_ONLY = new Set(BRONZE_METADATA.map((c) => c.name));

export interface SilverOptions {
  lakeRoot: string;
  /** Only these "schema.table" (empty: every bronze table). */
  tables: string[];
  intervalMs: number;
  maxBatchRows: number;
  compaction: (CompactionPolicy & { intervalMs: number }) | undefined;
}

export interface TableReport {
  table: string;
  bronzeVersion: number;
  silverVersion: number;
  changes: number;
  quarantined: number;
  plan?: Plan['counts'];
  /** The gate held the table's next batch back (a referenced table is behind). */
  held?: boolean;
  /** Why silver leaves this table out (its bronze table records no primary key). */
  skipped?: string;
}

interface Pair {
  name: string;
  bronzePath: string;
  silverPath: string;
  bronze: DeltaTable;
  silver: DeltaTable | undefined;
}

export class SilverWriter {
  private readonly pairs = new Map<string, Pair>();
  private readonly compactedAt = new Map<string, number>();
  private stopping = false;
  private readonly warnedKeyless = new Set<string>();
  private wake: (() => void) | undefined;
  private lastCycleOk = 0;

  constructor(
    private readonly opts: SilverOptions,
    private readonly gate: ChangeGate = passAll,
    private readonly hooks: { onCycle?: (reports: TableReport[]) => void } = {},
  ) {
    metrics.registerHealth({ name: 'silver', healthy: () => !this.stopping && Date.now() - this.lastCycleOk < Math.max(60000, opts.intervalMs * 10), detail: () => ({ tables: this.pairs.size }) });
  }

  /**
   * Applies bronze to silver until stop(). A failing `fail` rule ends it at once; other errors (a
   * file another process is still writing, a broker or disk hiccup) are retried with a growing
   * pause, and end it only when they keep happening.
   */
  async run(): Promise<void> {
    this.lastCycleOk = Date.now();
    let failures = 0;
    while (!this.stopping) {
      let reports: TableReport[];
      try {
        reports = await this.cycle();
        failures = 0;
      } catch (e) {
        if (e instanceof QualityStop || ++failures > 10) throw e;
        metrics.errorsTotal.inc({ stage: 'silver' });
        log.warn(`silver cycle failed; trying again (${failures}/10)`, { error: (e as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** failures)));
        continue;
      }
      this.lastCycleOk = Date.now();
      this.hooks.onCycle?.(reports);
      if (this.stopping) break;
      // under load, changes arrived while this cycle merged: go again at once
      if (reports.some((r) => r.changes > 0)) continue;
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.opts.intervalMs);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
  }

  /** One pass over every bronze table: applies what bronze holds that silver does not. */
  async cycle(): Promise<TableReport[]> {
    const names = (await tablesInLayer(this.opts.lakeRoot, 'bronze')).filter((t) => !this.opts.tables.length || this.opts.tables.includes(t));
    const reports: TableReport[] = [];
    for (const name of this.gate.order(names)) {
      if (this.stopping) break;
      reports.push(await this.applyTable(name));
    }
    return reports;
  }

  private async pair(name: string): Promise<Pair> {
    let p = this.pairs.get(name);
    if (!p) {
      const { schema, table } = splitTableName(name);
      const bronzePath = layerPath('bronze', schema, table);
      p = { name, bronzePath, silverPath: layerPath('silver', schema, table), bronze: await DeltaTable.open(this.opts.lakeRoot, bronzePath), silver: undefined };
      this.pairs.set(name, p);
    }
    return p;
  }

  /** Brings one silver table up to its bronze table's latest version (in bounded steps). */
  async applyTable(name: string): Promise<TableReport> {
    const p = await this.pair(name);
    await p.bronze.refresh();
    const keyColumns = recordedPrimaryKey(p.bronze);
    if (!keyColumns) {
      // A source table without a primary key (Debezium's null keys) has no current state by key;
      // its changes stay in bronze, and the other tables go on.
      if (!this.warnedKeyless.has(name)) {
        this.warnedKeyless.add(name);
        log.warn(`silver leaves ${p.bronzePath} out: ${KEYLESS_REASON}`, { fix: 'add a primary key to the source table; bronze records it with its next schema' });
      }
      return { table: name, bronzeVersion: p.bronze.version, silverVersion: -1, changes: 0, quarantined: 0, skipped: KEYLESS_REASON };
    }
    const sourceSpecs: ColumnSpec[] = p.bronze.schema.fields.filter((f) => !BRONZE_ONLY.has(f.name)).map((f) => ({ name: f.name, type: f.type, nullable: true }));
    p.silver ??= await DeltaTable.openOrCreate(this.opts.lakeRoot, p.silverPath, {
      columns: [...sourceSpecs, ...SILVER_METADATA],
      configuration: { [PRIMARY_KEY_PROPERTY]: JSON.stringify(keyColumns) },
      description: `silver current state of ${name}: one row per primary key (lakehouse silver)`,
    });
    const report: TableReport = { table: name, bronzeVersion: p.bronze.version, silverVersion: p.silver.version, changes: 0, quarantined: 0 };
    for (let attempt = 0; ; ) {
      const applied = p.silver.txnVersion(p.bronzePath) ?? -1;
      metrics.silverBronzeLagVersions.set({ table: name }, Math.max(0, p.bronze.version - applied));
      if (p.bronze.version <= applied) break;
      try {
        const step = await this.applyStep(p, applied, keyColumns, sourceSpecs);
        if (step.held) {
          report.held = true;
          break;
        }
        report.changes += step.changes;
        report.quarantined += step.quarantined;
        report.plan = step.plan;
        report.silverVersion = p.silver.version;
        attempt = 0;
      } catch (e) {
        if (!(e instanceof ConcurrentModificationError) || ++attempt > 10) throw e;
        // another silver process (or compaction) committed first: start again from what it did
        await p.silver.refresh();
      }
    }
    if (this.opts.compaction && Date.now() - (this.compactedAt.get(name) ?? 0) >= this.opts.compaction.intervalMs) {
      this.compactedAt.set(name, Date.now());
      const res = await compactIfNeeded(p.silver, p.silverPath, this.opts.compaction).catch((e: Error) => {
        if (!(e instanceof ConcurrentModificationError)) throw e;
        return undefined;
      });
      if (res) await p.silver.refresh();
    }
    return report;
  }

  private async applyStep(p: Pair, applied: number, keyColumns: string[], sourceSpecs: ColumnSpec[]): Promise<{ changes: number; quarantined: number; plan: Plan['counts']; held?: boolean }> {
    const silver = p.silver!;
    const commits = await p.bronze.changesSince(applied);
    // whole bronze commits, up to the row budget (at least one)
    const files: Add[] = [];
    const sourceOffsets = new Map<string, number>();
    let target = applied;
    let budget = 0;
    for (const c of commits) {
      const rows = c.added.reduce((n, a) => n + recordsOf(a), 0);
      if (target > applied && budget + rows > this.opts.maxBatchRows) break;
      if (c.removedPaths.length) {
        throw new UserError(`bronze table ${p.bronzePath} version ${c.version} (${c.operation ?? 'an operation'}) removed rows; silver reads bronze as an append-only change log`, {
          where: `${this.opts.lakeRoot}/${p.bronzePath}`,
          fix: 'restore bronze to the last version before it (bronze is append-only), or rebuild silver from bronze by removing the silver table',
        });
      }
      files.push(...c.added);
      for (const t of c.txns) sourceOffsets.set(t.appId, Math.max(t.version, sourceOffsets.get(t.appId) ?? -1));
      budget += rows;
      target = c.version;
    }
    const t0 = Date.now();
    const rows: Row[] = [];
    for (const add of files) for (const r of await p.bronze.readAdded(add)) rows.push(r);
    rows.sort(byPosition);
    const t1 = Date.now();

    const outcome = await this.gate.check(p.name, rows, keyColumns);
    if (outcome.failure) {
      throw new QualityStop(`quality rule "${outcome.failure.rule}" failed on ${p.name}: ${outcome.failure.message}`, {
        where: `${p.bronzePath} versions ${applied + 1}..${target}`,
        fix: 'fix the source rows or the rule, then start silver again: it resumes at this batch and loses nothing',
      });
    }
    if (outcome.hold) {
      log.debug('holding the batch back', { table: p.name, reason: outcome.hold });
      return { changes: 0, quarantined: 0, plan: { inserts: 0, updates: 0, deletes: 0, truncates: 0 }, held: true };
    }
    await outcome.record(target);

    const t2 = Date.now();
    const now = new Date();
    const plan = planChanges({ rows: outcome.passed, keyColumns, sourceColumns: sourceSpecs.map((c) => c.name) }, now);
    // only offsets that move on: a partition recorded at or past its offset would make the commit look half done (checkTxns)
    const judged = [...sourceOffsets].filter(([appId, offset]) => offset > (silver.txnVersion(appId) ?? -1)).map(([appId, version]) => ({ appId, version }));
    const txn = [{ appId: p.bronzePath, version: target }, ...judged];
    const columns = [...sourceSpecs, ...SILVER_METADATA];
    const upserts = [...plan.upserts.values()];
    let filesAdded = 0;
    if (plan.truncate) {
      filesAdded = (await silver.overwrite(upserts, { txn, columns, engineInfo: ENGINE })).filesAdded;
    } else if (upserts.length || plan.deletes.size) {
      const deletes = [...plan.deletes.values()].map((d) => {
        const row: Row = { _op: 'd' };
        for (const k of keyColumns) row[k] = d[k];
        return row;
      });
      filesAdded = (await silver.merge([...upserts, ...deletes], {
        engineInfo: ENGINE,
        keys: keyColumns,
        isDelete: (r) => r._op === 'd',
        columns,
        txn,
        combine: (current, next) => {
          // a change older than the row silver holds (a replay from before a restore) is ignored
          if (typeof current._position === 'string' && typeof next._position === 'string' && current._position >= next._position) return null;
          const missing = plan.toasted.get(keyOf(next, keyColumns));
          if (!missing) return next;
          const out = { ...next };
          for (const c of missing) out[c] = current[c];
          return out;
        },
      })).filesAdded;
    } else {
      await silver.append([], { txn, columns, engineInfo: ENGINE }); // progress only: these bronze commits changed nothing here
    }
    const after = Date.now();
    const timing = { readMs: t1 - t0, gateMs: t2 - t1, writeMs: after - t2 };
    for (const r of outcome.passed) {
      const ts = r._source_ts;
      if (ts instanceof Date) metrics.silverCommitToSilverSeconds.observe(Math.max(0, after - ts.getTime()) / 1000);
    }
    const c = plan.counts;
    metrics.silverRowsTotal.inc({ table: p.name, action: 'insert' }, c.inserts);
    metrics.silverRowsTotal.inc({ table: p.name, action: 'update' }, c.updates);
    metrics.silverRowsTotal.inc({ table: p.name, action: 'delete' }, c.deletes);
    metrics.silverRowsTotal.inc({ table: p.name, action: 'truncate' }, c.truncates);
    metrics.deltaCommitsTotal.inc({ table: p.silverPath, operation: plan.truncate ? 'WRITE' : 'MERGE' });
    metrics.deltaFilesAddedTotal.inc({ table: p.silverPath }, filesAdded);
    metrics.deltaTableVersion.set({ table: p.silverPath }, silver.version);
    metrics.deltaTableVersion.set({ table: p.bronzePath }, p.bronze.version);
    log.debug('applied bronze to silver', { table: p.name, bronze: target, silver: silver.version, changes: rows.length, files: silver.snapshot.files.size, ...timing });
    return { changes: rows.length, quarantined: rows.length - outcome.passed.length, plan: c };
  }
}

function recordsOf(add: Add): number {
  try {
    const n = add.stats ? (JSON.parse(add.stats) as { numRecords?: number }).numRecords : undefined;
    return typeof n === 'number' ? n : 1000;
  } catch {
    return 1000;
  }
}

export const KEYLESS_REASON = 'its source table has no primary key, so it has no current state by key (its changes are all in bronze)';

/** The source's primary key as bronze records it (table property), or undefined when it has none. */
export function recordedPrimaryKey(bronze: DeltaTable): string[] | undefined {
  const raw = bronze.metadata.configuration?.[PRIMARY_KEY_PROPERTY];
  let keys: unknown;
  try {
    keys = raw ? JSON.parse(raw) : undefined;
  } catch {
    keys = undefined;
  }
  return Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string') ? (keys as string[]) : undefined;
}

