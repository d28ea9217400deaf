// The one seam between the Delta log and where its bytes live. Everything above this file speaks
// in paths relative to a table's root; a second backend (an S3-compatible store with conditional
// writes: PUT with If-None-Match: *) implements the same few calls, and nothing else changes.

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
   * Creates the file only if no file has that name, atomically: two writers racing for one
   * name see exactly one `true`. This is the whole of Delta's mutual exclusion.
   */
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Writes or replaces a file atomically (readers see the old or the new content, never half). */
  put(path: string, data: Uint8Array): Promise<void>;
  /** Moves a finished local file in under `path` (data files written by the Parquet engine). */
  putLocalFile(path: string, localFile: string): Promise<void>;
  /** Files under a folder (recursively when asked), in no particular order; [] if the folder is missing. */
  list(dir: string, opts?: { recursive?: boolean }): Promise<FileInfo[]>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Removes a file; a missing file is not an error (two vacuums may race). */
  delete(path: string): Promise<void>;
  /**
   * A local file name the Parquet engine can open directly, or undefined when the bytes must be
   * fetched first (object stores).
   */
  localPath(path: string): string | undefined;
}
