// DeltaTable: the one object the rest of the product uses. It holds the latest snapshot it knows,
// advances it with every commit it makes, and exposes each operation as a verb.

import { UserError } from '../common/errors.js';
import type { Add, CommitInfo, Metadata, Protocol } from './kernel/actions.js';
import { readHistory, Snapshot, type SnapshotOptions } from './kernel/snapshot.js';
import { schemaString, type ColumnSpec, type StructType } from './kernel/schema.js';
import type { Filter } from './kernel/stats.js';
import { commit, ConcurrentModificationError, type CommitOptions } from './kernel/transaction.js';
import type { Row } from './kernel/values.js';
import { createTable, type CreateTableSpec } from './operations/create.js';
import { deleteRows, type DeleteOptions } from './operations/delete.js';
import { merge, type MergeOptions, type MergeResult } from './operations/merge.js';
import { optimize, type OptimizeOptions, type OptimizeResult } from './operations/optimize.js';
import { scanBatches, scanColumnBatches, selectFiles, type ColumnBatch, type ScanOptions } from './operations/scan.js';
import { updateRows, type UpdateSet } from './operations/update.js';
import { vacuum, type VacuumOptions, type VacuumResult } from './operations/vacuum.js';
import { append, evolveSchema, overwrite, type AppendOptions, type OverwriteOptions, type WriteResult } from './operations/write.js';
import { writeCheckpoint } from './kernel/checkpoint.js';
import { tableStorage } from './storage/root.js';
import type { Storage } from './storage/storage.js';
import { listLog } from './kernel/log.js';
import { readAddedFile, readChanges, type CommitChanges } from './operations/changes.js';

export interface HistoryEntry {
  version: number;
  timestamp: Date;
  operation: string | undefined;
  operationParameters: Record<string, unknown>;
  commitInfo: CommitInfo;
}

export class DeltaTable {
  private constructor(
    readonly storage: Storage,
    private current: Snapshot,
  ) {}

  /**
   * Opens the table at `path` inside the lake `root`, a folder or an object-store URL (storage/root.ts),
   * at the latest version unless asked otherwise.
   */
  static async open(root: string, path: string, opts: SnapshotOptions = {}): Promise<DeltaTable> {
    return DeltaTable.openStorage(tableStorage(root, path), opts);
  }

  /** Opens the table, or gives undefined when there is none yet (a stage reading a table another one creates). */
  static async openIfExists(root: string, path: string, opts: SnapshotOptions = {}): Promise<DeltaTable | undefined> {
    const storage = tableStorage(root, path);
    return (await hasLog(storage)) ? DeltaTable.openStorage(storage, opts) : undefined;
  }

  /** Opens a table on any storage backend (local folder, object store). */
  static async openStorage(storage: Storage, opts: SnapshotOptions = {}): Promise<DeltaTable> {
    return new DeltaTable(storage, await Snapshot.load(storage, opts));
  }

  /** Creates a new table; fails if one exists at that path. */
  static async create(root: string, path: string, spec: CreateTableSpec): Promise<DeltaTable> {
    return DeltaTable.createStorage(tableStorage(root, path), spec);
  }

  static async createStorage(storage: Storage, spec: CreateTableSpec): Promise<DeltaTable> {
    return new DeltaTable(storage, await createTable(storage, spec));
  }

  /** Opens the table, creating it with `spec` if there is none (two racing creators are safe). */
  static async openOrCreate(root: string, path: string, spec: CreateTableSpec): Promise<DeltaTable> {
    const storage = tableStorage(root, path);
    if (!(await hasLog(storage))) {
      try {
        return await DeltaTable.createStorage(storage, spec);
      } catch (e) {
        if (!(e instanceof UserError) || !/already exists/.test(e.message)) throw e;
      }
    }
    return DeltaTable.openStorage(storage);
  }

  get location(): string {
    return this.storage.location;
  }
  get snapshot(): Snapshot {
    return this.current;
  }
  get version(): number {
    return this.current.version;
  }
  get schema(): StructType {
    return this.current.schema;
  }
  get partitionColumns(): string[] {
    return this.current.partitionColumns;
  }
  get metadata(): Metadata {
    return this.current.requireMetadata();
  }
  get protocol(): Protocol {
    return this.current.protocol!;
  }

  /** Loads the newest version (other writers' commits). */
  async refresh(): Promise<this> {
    this.current = await this.current.advance(this.storage);
    return this;
  }

  /** Another version of the same table (time travel); this object stays where it is. */
  async at(opts: SnapshotOptions): Promise<DeltaTable> {
    return DeltaTable.openStorage(this.storage, opts);
  }

  /**
   * The last version committed by a streaming writer for `appId` (e.g. "<topic>-<partition>"),
   * or undefined. A batch whose version is <= this is already in the table.
   */
  txnVersion(appId: string): number | undefined {
    return this.current.txns.get(appId)?.version;
  }

  /**
   * Appends rows. With `txn`, the batch is skipped (result.skipped) when the table already holds
   * every appId at that version or later; otherwise rows and txn commit together.
   */
  async append(rows: Row[], opts: AppendOptions = {}): Promise<WriteResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await append(this.storage, this.current, rows, opts);
      } catch (e) {
        // another writer committed the same appId: if it covered this batch, this one is a duplicate
        if (!(e instanceof ConcurrentModificationError) || !opts.txn?.length || attempt > 3) throw e;
      }
    }
  }

  /** Replaces the table's rows (or, with partitionFilters, those partitions' rows). */
  overwrite(rows: Row[], opts: OverwriteOptions = {}): Promise<WriteResult> {
    return overwrite(this.storage, this.current, rows, opts);
  }

  /** Deletes the rows matching every filter (and `where`, if given). */
  delete(filters: Filter[], opts: DeleteOptions = {}): Promise<WriteResult & { rowsDeleted: number }> {
    return deleteRows(this.storage, this.current, filters, opts);
  }

  /** Sets values on the rows matching every filter. */
  update(filters: Filter[], set: UpdateSet, opts: DeleteOptions = {}): Promise<WriteResult & { rowsUpdated: number }> {
    return updateRows(this.storage, this.current, filters, set, opts);
  }

  /** Upserts and deletes by key (see operations/merge.ts). */
  merge(rows: Row[], opts: MergeOptions): Promise<MergeResult> {
    return merge(this.storage, this.current, rows, opts);
  }

  /** Adds nullable columns (schema evolution) in a commit of its own. */
  async addColumns(columns: ColumnSpec[], opts: CommitOptions = {}): Promise<number> {
    const evolved = evolveSchema(this.current, columns);
    if (!evolved) return this.current.version;
    return commit(this.storage, this.current, { operation: 'ADD COLUMNS', operationParameters: { columns: JSON.stringify(columns.map((c) => c.name)) }, actions: [{ metaData: evolved }], blindAppend: false }, opts);
  }

  optimize(opts: OptimizeOptions = {}): Promise<OptimizeResult> {
    return optimize(this.storage, this.current, opts);
  }

  async vacuum(opts: VacuumOptions = {}): Promise<VacuumResult> {
    await this.refresh();
    return vacuum(this.storage, this.current, opts);
  }

  /** Commits, newest first. */
  async history(limit?: number): Promise<HistoryEntry[]> {
    const h = await readHistory(this.storage, limit);
    return h.map((e) => ({
      version: e.version,
      timestamp: new Date(e.commitInfo.timestamp ?? e.timestamp),
      operation: e.commitInfo.operation,
      operationParameters: e.commitInfo.operationParameters ?? {},
      commitInfo: e.commitInfo,
    }));
  }

  /** The data files a scan with these filters would read. */
  files(filters: Filter[] = []): Add[] {
    return selectFiles(this.current, filters);
  }

  /** Rows in batches (one per data file). */
  scan(opts: ScanOptions = {}): AsyncGenerator<Row[]> {
    return scanBatches(this.storage, this.current, opts);
  }

  /**
   * The rows of scan() as columns, one batch per data file: `columns[name][i]` is what the i-th
   * row would hold. For readers that want columns anyway (aggregates, exports, benchmarks).
   */
  scanColumns(opts: ScanOptions = {}): AsyncGenerator<ColumnBatch> {
    return scanColumnBatches(this.storage, this.current, opts);
  }

  /** All matching rows at once (for small tables and tests; use scan() for big ones). */
  async rows(opts: ScanOptions = {}): Promise<Row[]> {
    const out: Row[] = [];
    for await (const batch of this.scan(opts)) for (const r of batch) out.push(r);
    return out;
  }

  /**
   * What the commits after `afterVersion` up to this object's version did, oldest first: the
   * streaming read of a table (silver tails bronze, gold tails silver).
   */
  changesSince(afterVersion: number, toVersion = this.current.version): Promise<CommitChanges[]> {
    return readChanges(this.storage, afterVersion, Math.min(toVersion, this.current.version));
  }

  /** Rows of a file that changesSince() reported as added, in this version's schema. */
  readAdded(add: Add, columns?: string[]): Promise<Row[]> {
    const fields = columns ? this.current.schema.fields.filter((f) => columns.includes(f.name)) : undefined;
    return readAddedFile(this.storage, this.current, add, fields);
  }

  /** Writes a checkpoint of the current version now. */
  checkpoint(): Promise<void> {
    return writeCheckpoint(this.storage, this.current);
  }

  schemaString(): string {
    return schemaString(this.current.schema);
  }
}

/** Whether the log holds a commit or a checkpoint: a folder without either is no table yet. */
async function hasLog(storage: Storage): Promise<boolean> {
  const listing = await listLog(storage);
  return listing.commits.size > 0 || listing.checkpoints.length > 0;
}
