// The one seam between the Delta log and where its bytes live. Everything above this file speaks
// in paths relative to a table's root; each backend (a local folder, S3 and S3-compatible stores,
// Azure Blob) implements the same few calls, and nothing else changes. Which backend a lake root
// names is decided in root.ts.

export interface FileInfo {
  /** Path relative to the table root, with '/' separators. */
  path: string;
  size: number;
  /** Last modification, ms since the epoch (the commit time of a log file without commitInfo). */
  modified: number;
}

export interface Storage {
  /** Where this storage is rooted, for messages. */
  readonly location: string;
  /** The whole file, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * Bytes [start, start + length) of a file (fewer at its end), or undefined when it does not
   * exist: a Parquet footer without the file, a large file in parts.
   */
  readRange(path: string, start: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * Creates the file only if no file has that name, atomically: two writers racing for one
   * name see exactly one `true`. This is the whole of Delta's mutual exclusion.
   */
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Writes or replaces a file atomically (readers see the old or the new content, never half). */
  put(path: string, data: Uint8Array): Promise<void>;
  /**
   * Moves a finished local file in under `path` (data files and checkpoints written by the Parquet
   * engine): renamed on a local disk, uploaded to an object store (in parts when it is large). The
   * local file may be gone afterwards; the caller removes it if it is not.
   */
  putLocalFile(path: string, localFile: string): Promise<void>;
  /** Files under a folder (recursively when asked), in no particular order; [] if the folder is missing. */
  list(dir: string, opts?: { recursive?: boolean }): Promise<FileInfo[]>;
  /** Names of the folders directly under a folder ([] if it is missing), without listing their files. */
  listFolders(dir: string): Promise<string[]>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Removes a file; a missing file is not an error (two vacuums may race). */
  delete(path: string): Promise<void>;
  /**
   * A local file name the Parquet engine can open directly, or undefined when the bytes must be
   * fetched first (object stores).
   */
  localPath(path: string): string | undefined;
  /** Requests this storage's backend answered, shared by every table of one lake root. */
  readonly requests: RequestCounts;
}

export type RequestKind = 'read' | 'write' | 'list' | 'stat' | 'delete';

/** Requests by kind (an object store bills and throttles by them; the benchmark reports them per commit). */
export class RequestCounts {
  readonly counts: Record<RequestKind, number> = { read: 0, write: 0, list: 0, stat: 0, delete: 0 };
  add(kind: RequestKind, n = 1): void {
    this.counts[kind] += n;
  }
  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
  snapshot(): Record<RequestKind, number> {
    return { ...this.counts };
  }
}
