// The gold stage: follows the silver tables and keeps every gold table equal to what its model
// computes from silver.
//
//   start    read the silver versions each gold table records (txn "gold:<silver path>"); when
//            they agree, load the state from silver *at those versions* (time travel) and go on
//            from there; when they do not (a crash between two gold commits of one refresh), or
//            gold is new, or a version can no longer be read, recompute everything
//   refresh  silver tables with a new commit are read as row changes since the last refresh,
//            applied to the state, and each model concerned commits its upserts and deletes
//            together with the new silver versions, in one commit per gold table
//
// A gold commit and the versions it records are atomic, and every model of a refresh records the
// same versions, so after any crash gold is either all at one refresh or recomputed: it always
// equals a computation from one consistent set of silver versions, and no change is applied twice.

import { UserError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { ConcurrentModificationError, DeltaTable } from '../index.js';
import { commitFileName } from '../kernel/actions.js';
import { recomputeAll, loadState, type SilverSnapshot } from './full-recompute.js';
import { compactGold, mergeIntoGold, pendingMarks, replaceGold, rowCount, txnAppId, writeGoldFiles, type TxnMark } from './gold-writer.js';
import { openGoldTable } from './gold-tables.js';
import { planIncremental, type SilverChanges } from './incremental.js';
import { KPIS } from './kpis.js';
import { MatchMemory } from './match-memory.js';
import type { GoldModel } from './model.js';
import { GOLD_MODELS } from './models.js';
import type { GoldRules } from './rules.js';
import { readRowChanges } from './silver-changes.js';
import { SILVER_COLUMNS, SILVER_KEY, SILVER_TABLES, silverPath, SOURCE_TS, type SilverTable } from './silver-inputs.js';
import type { SilverState } from './silver-state.js';

const log = logger('gold');

export interface GoldEngineOptions {
  root: string;
  sourceSchema: string;
  rules: GoldRules;
  /** Most rows in one gold data file (gold.rowsPerFile). */
  rowsPerFile: number;
  /** Join small files once `minFiles` gathered, looking at most once per intervalMs. */
  compaction?: { minFiles: number; intervalMs: number };
}

export type Versions = Record<SilverTable, number>;

export interface RefreshReport {
  mode: 'full' | 'incremental';
  /** Why everything was recomputed. */
  reason?: string;
  /** Silver versions gold covers after the refresh (-1: no such silver table). */
  versions: Versions;
  /** Row changes read from each silver table. */
  changes: Partial<Record<SilverTable, number>>;
  /** Rows upserted and deleted per model (full: rows written). */
  rows: Record<string, { upserts: number; deletes: number }>;
  commits: number;
  ms: number;
  /** Silver source commit time of each changed row, for the change-to-gold latency. */
  sourceTimes: Date[];
  /** When the last gold commit of the refresh was done. */
  committedAt: number;
  /** Where the time went, in ms: reading silver, planning, each table's commit, compaction. */
  phases: Record<string, number>;
}

export class GoldEngine {
  private readonly silver = new Map<SilverTable, DeltaTable>();
  private readonly gold = new Map<string, DeltaTable>();
  private state: SilverState | undefined;
  private readonly matches = new MatchMemory();
  private versions: Versions = noVersions();
  private lastCompaction = Date.now();

  constructor(private readonly opts: GoldEngineOptions) {}

  get started(): boolean {
    return this.state !== undefined;
  }

  /** The silver versions gold covers. */
  covered(): Versions {
    return { ...this.versions };
  }

  goldTable(model: string): DeltaTable | undefined {
    return this.gold.get(model);
  }

  /** Opens gold and silver and gets the state: resumed where gold stands, or by recomputing. */
  async start(opts: { full?: boolean } = {}): Promise<RefreshReport | undefined> {
    this.state = undefined;
    this.gold.clear();
    this.silver.clear();
    let recompute: string | undefined = opts.full ? 'asked for (--full)' : undefined;
    for (const model of GOLD_MODELS) {
      const opened = await openGoldTable(this.opts.root, model);
      this.gold.set(model.name, opened.table);
      recompute ??= opened.recompute;
    }
    if (!recompute) {
      const recorded = this.recordedVersions();
      if (typeof recorded === 'string') recompute = recorded;
      else {
        try {
          await this.resumeAt(recorded);
          log.info('gold resumed', { silver: recorded });
          return undefined;
        } catch (e) {
          recompute = `silver at the versions gold records cannot be read (${(e as Error).message})`;
        }
      }
    }
    return this.recompute(recompute);
  }

  /** The silver versions every gold table records, or why they cannot be trusted. */
  private recordedVersions(): Versions | string {
    const out = noVersions();
    for (const t of SILVER_TABLES) {
      const appId = txnAppId(silverPath(this.opts.sourceSchema, t));
      const seen = new Set(GOLD_MODELS.filter((m) => m.dependsOn.includes(t)).map((m) => this.gold.get(m.name)!.txnVersion(appId) ?? -1));
      if (seen.size > 1) return `gold tables cover different versions of ${silverPath(this.opts.sourceSchema, t)} (${[...seen].join(', ')}): a refresh was interrupted`;
      out[t] = [...seen][0]!;
    }
    return out;
  }

  private async resumeAt(versions: Versions): Promise<void> {
    const silver: SilverSnapshot = {};
    for (const t of SILVER_TABLES) {
      if (versions[t] < 0) continue;
      const table = await DeltaTable.open(this.opts.root, silverPath(this.opts.sourceSchema, t), { version: versions[t] });
      if (table.version !== versions[t]) throw new Error(`${silverPath(this.opts.sourceSchema, t)} has no version ${versions[t]}`);
      silver[t] = table;
    }
    const state = await loadState(silver, this.opts.rules);
    this.matches.recomputeAll(state, this.opts.rules);
    for (const t of SILVER_TABLES) if (silver[t]) this.silver.set(t, silver[t]);
    this.versions = versions;
    this.state = state;
  }

  private async openSilver(t: SilverTable): Promise<DeltaTable | undefined> {
    try {
      const table = await DeltaTable.open(this.opts.root, silverPath(this.opts.sourceSchema, t));
      this.silver.set(t, table);
      return table;
    } catch (e) {
      if (e instanceof UserError && /no Delta table|does not exist|not a Delta table|no commits/i.test(e.message)) return undefined;
      throw e;
    }
  }

  /**
   * One refresh: applies what silver committed since the last one. Returns undefined when silver
   * has nothing new. After an error, call start() again: the state may be half applied.
   */
  async refresh(): Promise<RefreshReport | undefined> {
    if (!this.state) throw new Error('GoldEngine.refresh() before start()');
    const started = Date.now();
    const next = noVersions();
    for (const t of SILVER_TABLES) {
      const table = this.silver.get(t) ?? (await this.openSilver(t));
      if (table && (await table.storage.stat(commitFileName(table.version + 1)))) await table.refresh();
      next[t] = table ? table.version : -1;
    }
    const back = SILVER_TABLES.find((t) => next[t] < this.versions[t]);
    if (back) return this.recompute(`${silverPath(this.opts.sourceSchema, back)} is at version ${next[back]}, before the ${this.versions[back]} gold covers (was it recreated?)`);
    const advanced = SILVER_TABLES.filter((t) => next[t] > this.versions[t]);
    if (advanced.length === 0) return undefined;

    const phases: Record<string, number> = { silver: Date.now() - started };
    let mark = Date.now();
    const lap = (name: string) => {
      const now = Date.now();
      phases[name] = now - mark;
      mark = now;
    };
    const changes: SilverChanges = {};
    const counts: Partial<Record<SilverTable, number>> = {};
    const sourceTimes: Date[] = [];
    for (const t of advanced) {
      let rows;
      try {
        rows = await readRowChanges(this.silver.get(t)!, this.versions[t], SILVER_KEY[t], SILVER_COLUMNS[t]);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        // a commit or a removed file is gone (log cleanup, vacuum): the changes are lost, silver is not
        return this.recompute(`the changes of ${silverPath(this.opts.sourceSchema, t)} since version ${this.versions[t]} cannot be read (${e.message})`);
      }
      changes[t] = rows;
      counts[t] = rows.length;
      for (const c of rows) {
        const ts = c.after?.[SOURCE_TS];
        if (ts instanceof Date) sourceTimes.push(ts);
      }
    }
    lap('changes');
    const deltas = await planIncremental(this.state, this.matches, changes, this.silver.get('activities'), this.opts.rules);
    lap('plan');
    const report: RefreshReport = { mode: 'incremental', versions: next, changes: counts, rows: {}, commits: 0, ms: 0, sourceTimes, committedAt: 0, phases };
    for (const model of GOLD_MODELS) {
      if (!model.dependsOn.some((t) => advanced.includes(t))) continue;
      const table = this.gold.get(model.name)!;
      const txn = this.marks(model, next, advanced);
      const delta = deltas.get(model.name) ?? { upserts: [], deletes: [] };
      if (model === KPIS) {
        const committed = await this.commitKpis(table, delta.upserts[0]!, txn);
        if (committed) report.commits++;
        report.rows[model.name] = { upserts: 1, deletes: 0 };
        lap(model.name);
        continue;
      }
      if (await mergeIntoGold(table, model, delta.upserts, delta.deletes, txn, this.opts.rowsPerFile)) report.commits++;
      report.rows[model.name] = { upserts: delta.upserts.length, deletes: delta.deletes.length };
      lap(model.name);
    }
    report.committedAt = Date.now();
    this.versions = next;
    await this.compactIfDue();
    lap('compaction');
    report.ms = Date.now() - started;
    return report;
  }

  /** kpis is one row: replaced when it changed, otherwise only the versions are recorded. */
  private async commitKpis(table: DeltaTable, row: Record<string, unknown>, txn: TxnMark[]): Promise<boolean> {
    const current = await table.rows();
    if (current.length === 1 && sameRow(current[0]!, row, KPIS)) return mergeIntoGold(table, KPIS, [], [], txn, this.opts.rowsPerFile);
    const pending = pendingMarks(table, txn);
    if (pending.length === 0) return false;
    await replaceGold(table, await writeGoldFiles(table, KPIS, [row], this.opts.rowsPerFile), pending);
    return true;
  }

  /** Rebuilds every gold table from silver as it is now. */
  async recompute(reason: string): Promise<RefreshReport> {
    const started = Date.now();
    log.info('recomputing gold from silver', { reason });
    this.state = undefined;
    const silver: SilverSnapshot = {};
    const versions = noVersions();
    for (const t of SILVER_TABLES) {
      const table = this.silver.get(t) ?? (await this.openSilver(t));
      if (!table) continue;
      await table.refresh();
      silver[t] = table;
      versions[t] = table.version;
    }
    const result = await recomputeAll(silver, this.gold, this.matches, this.opts.rules, this.opts.rowsPerFile);
    const report: RefreshReport = { mode: 'full', reason, versions, changes: {}, rows: {}, commits: 0, ms: 0, sourceTimes: [], committedAt: 0, phases: {} };
    for (const model of GOLD_MODELS) {
      const table = this.gold.get(model.name)!;
      await replaceGold(table, result.files.get(model.name) ?? [], this.marks(model, versions, SILVER_TABLES));
      report.commits++;
      report.rows[model.name] = { upserts: result.rows.get(model.name) ?? 0, deletes: 0 };
    }
    report.committedAt = Date.now();
    this.versions = versions;
    this.state = result.state;
    report.ms = Date.now() - started;
    log.info('gold recomputed', { ms: report.ms, rows: Object.fromEntries(Object.entries(report.rows).map(([k, v]) => [k, v.upserts])) });
    return report;
  }

  /** The txn marks of a model: the new version of each silver table it reads that moved. */
  private marks(model: GoldModel, versions: Versions, moved: readonly SilverTable[]): TxnMark[] {
    return model.dependsOn
      .filter((t) => moved.includes(t) && versions[t] >= 0)
      .map((t) => ({ appId: txnAppId(silverPath(this.opts.sourceSchema, t)), version: versions[t] }));
  }

  private async compactIfDue(): Promise<void> {
    const c = this.opts.compaction;
    if (!c || Date.now() - this.lastCompaction < c.intervalMs) return;
    this.lastCompaction = Date.now();
    for (const model of GOLD_MODELS) {
      if (model === KPIS) continue;
      const table = this.gold.get(model.name)!;
      try {
        await compactGold(table, model, this.opts.rowsPerFile, c.minFiles);
      } catch (e) {
        if (!(e instanceof ConcurrentModificationError)) throw e;
        await table.refresh();
      }
    }
  }

  /** Rows per gold table, from the files' statistics. */
  rowCounts(): Record<string, number> {
    return Object.fromEntries([...this.gold].map(([name, t]) => [name, rowCount(t)]));
  }
}

function noVersions(): Versions {
  return { employees: -1, activities: -1, stadiums: -1, matches: -1, crowd_readings: -1 };
}

function sameRow(a: Record<string, unknown>, b: Record<string, unknown>, model: GoldModel): boolean {
  return model.columns.every((c) => {
    const x = a[c.name] ?? null;
    const y = b[c.name] ?? null;
    if (x instanceof Date || y instanceof Date) return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
    return String(x) === String(y);
  });
}
