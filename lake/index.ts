// The lake's public surface: what the bronze, silver and gold writers import.
export { DeltaTable, type HistoryEntry } from './table.js';
export type { CreateTableSpec } from './operations/create.js';
export type { AppendOptions, OverwriteOptions, WriteResult } from './operations/write.js';
export type { MergeOptions, MergeResult } from './operations/merge.js';
export type { DeleteOptions } from './operations/delete.js';
export type { UpdateSet } from './operations/update.js';
export type { OptimizeOptions, OptimizeResult } from './operations/optimize.js';
export type { VacuumOptions, VacuumResult } from './operations/vacuum.js';
export type { ScanOptions } from './operations/scan.js';
export type { Filter, FilterOp } from './kernel/stats.js';
export type { ColumnSpec, DataType, StructType, StructField } from './kernel/schema.js';
export type { Row } from './kernel/values.js';
export type { SnapshotOptions } from './kernel/snapshot.js';
export { ConcurrentModificationError, type CommitOptions } from './kernel/transaction.js';
export type { Storage, FileInfo } from './storage/storage.js';
export { LocalStorage } from './storage/local.js';
export { resolveTablePath } from './storage/paths.js';
