// `npm run bench -- lake [--rows N] [--batch N] [--root ROOT|versitygw]`
// Appends N (default 1,000,000) bronze-shaped rows (16 columns: the source row plus the _op,
// _lsn, ... columns, partitioned by ingest date) in batches (default 10,000), each a commit with
// its txn, then scans them all back as columns (scanColumns; delta-rs hands back Arrow columns),
// and once more as row objects (scan(), reported, not compared). The same work is done by
// delta-rs (Python deltalake) in the same run. Timing covers append/scan calls, not building the
// batches. Peak memory is reported without and with the row-object scan. Targets (issue 3):
// >= 250,000 rows/s appended, <= 1.5x delta-rs's time, < 500 MB peak memory.
// With --root (an s3:// or az:// lake root, or `versitygw` for a private S3 server started for the
// run), our half runs on that store and reports the requests per commit; the scan then reads from
// the store (the local copies kept from the writes are dropped first). delta-rs's half stays local.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { benchLake } from './support/lake-root.js';
import { dropLocalCopies } from '../lake/storage/local-copies.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeltaTable, type Row } from '../lake/index.js';
import { setLogLevel } from '../common/log.js';
import { projectRoot } from '../stack/paths.js';

const SPORTS = ['Runing', 'Vélo', 'Randonnée', 'Natation'];
const OPS = ['c', 'u', 'd', 'r'];

function batchRows(start: number, n: number): Row[] {
  const rows = new Array<Row>(n);
  for (let i = 0; i < n; i++) {
    const k = start + i;
    rows[i] = {
      activity_id: BigInt(k), employee_id: k % 161, sport_type: SPORTS[k % 4], distance_m: k % 7 === 0 ? null : (k % 10000) * 1.5,
      elapsed_s: k % 3600, start_time: new Date(1_731_571_200_000 + k * 1000), comment: k % 5 ? `sortie ${k}` : null,
      _op: OPS[k % 4], _lsn: `0/${(k * 16).toString(16).toUpperCase()}`, _tx_id: BigInt(1000 + (k >> 4)),
      _source_ts: new Date(1_731_571_200_000 + k), _ingested_at: new Date(1_731_571_201_000 + k),
      _topic: 'lakehouse.public.activities', _partition: k % 3, _offset: BigInt(k), ingest_date: '2024-11-14',
    };
  }
  return rows;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, batch: { type: 'string' }, root: { type: 'string' } } });
  const total = Number(values.rows ?? 1_000_000);
  const batch = Number(values.batch ?? 10_000);
  setLogLevel('warn');
  const lake = await benchLake(values.root);
  const root = lake.root;
  const pyDir = mkdtempSync(join(tmpdir(), 'lake-bench-delta-rs-'));
  try {
    const table = await DeltaTable.create(root, 'bronze/activities', {
      columns: [
        { name: 'activity_id', type: 'long' }, { name: 'employee_id', type: 'integer' }, { name: 'sport_type', type: 'string' },
        { name: 'distance_m', type: 'double' }, { name: 'elapsed_s', type: 'integer' }, { name: 'start_time', type: 'timestamp' },
        { name: 'comment', type: 'string' }, { name: '_op', type: 'string' }, { name: '_lsn', type: 'string' }, { name: '_tx_id', type: 'long' },
        { name: '_source_ts', type: 'timestamp' }, { name: '_ingested_at', type: 'timestamp' }, { name: '_topic', type: 'string' },
        { name: '_partition', type: 'integer' }, { name: '_offset', type: 'long' }, { name: 'ingest_date', type: 'date' },
      ],
      partitionBy: ['ingest_date'],
    });
    const requestsBefore = table.storage.requests.snapshot();
    const versionBefore = table.version;
    let writeMs = 0;
    for (let start = 0; start < total; start += batch) {
      const rows = batchRows(start, Math.min(batch, total - start));
      const t0 = performance.now();
      await table.append(rows, { txn: [{ appId: 'lakehouse.public.activities-0', version: start + rows.length - 1 }] });
      writeMs += performance.now() - t0;
    }
    const requestsAfter = table.storage.requests.snapshot();
    const commitsMade = table.version - versionBefore;
    const perCommit = Object.fromEntries(Object.entries(requestsAfter).map(([k, n]) => [k, +((n - requestsBefore[k as keyof typeof requestsBefore]) / commitsMade).toFixed(2)]));
    dropLocalCopies();
    // the scan compared with delta-rs's (Arrow columns): every column of every row as column arrays
    const t1 = performance.now();
    let scanned = 0;
    const reader = await DeltaTable.open(root, 'bronze/activities');
    for await (const b of reader.scanColumns()) scanned += b.length;
    const scanMs = performance.now() - t1;
    const oursPeakMb = process.resourceUsage().maxRSS / 1024;
    if (scanned !== total) throw new Error(`scanned ${scanned} rows, wrote ${total}`);
    // and, for the record, the same scan into one object per row (scan(), what most callers use)
    const t2 = performance.now();
    let rowScanned = 0;
    for await (const b of reader.scan()) rowScanned += b.length;
    const rowScanMs = performance.now() - t2;
    if (rowScanned !== total) throw new Error(`scanned ${rowScanned} rows as objects, wrote ${total}`);
    const allPeakMb = process.resourceUsage().maxRSS / 1024;

    const py = spawnSync('python3', [join(projectRoot(), 'bench', 'lake-deltalake.py'), join(pyDir, 'delta-rs'), String(total), String(batch)], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`delta-rs half failed: ${py.stderr}`);
    const rs = JSON.parse(py.stdout.trim().split('\n').pop()!) as { write_s: number; scan_s: number; rows: number; peak_rss_mb: number };

    const oursTotal = (writeMs + scanMs) / 1000;
    const theirsTotal = rs.write_s + rs.scan_s;
    const r = {
      bench: 'lake',
      rows: total,
      batch,
      commits: table.version,
      lake: lake.where,
      requests_per_commit: perCommit,
      ours: {
        append_rows_per_s: Math.round(total / (writeMs / 1000)), scan_rows_per_s: Math.round(total / (scanMs / 1000)), append_s: +(writeMs / 1000).toFixed(2), scan_s: +(scanMs / 1000).toFixed(2), peak_rss_mb: Math.round(oursPeakMb),
        row_scan_rows_per_s: Math.round(total / (rowScanMs / 1000)), row_scan_s: +(rowScanMs / 1000).toFixed(2), peak_rss_mb_with_row_scan: Math.round(allPeakMb),
      },
      delta_rs: { append_rows_per_s: Math.round(total / rs.write_s), scan_rows_per_s: Math.round(total / rs.scan_s), append_s: +rs.write_s.toFixed(2), scan_s: +rs.scan_s.toFixed(2), peak_rss_mb: Math.round(rs.peak_rss_mb) },
      ratio_append: +((writeMs / 1000) / rs.write_s).toFixed(2),
      ratio_total: +(oursTotal / theirsTotal).toFixed(2),
      targets: { append_rows_per_s: 250_000, max_ratio: 1.5, max_rss_mb: 500 },
    };
    console.log(`lake: ${total} rows in ${r.commits} commits of ${batch}, then a full scan; our lake on ${lake.where}`);
    console.log(`  requests per append commit (ours): ${Object.entries(perCommit).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    console.log(`  ours:     append ${r.ours.append_rows_per_s} rows/s (${r.ours.append_s} s), scan ${r.ours.scan_rows_per_s} rows/s (${r.ours.scan_s} s, scanColumns), peak RSS ${r.ours.peak_rss_mb} MB`);
    console.log(`            scan into row objects (scan()) ${r.ours.row_scan_rows_per_s} rows/s (${r.ours.row_scan_s} s; not in the ratio), peak RSS with it ${r.ours.peak_rss_mb_with_row_scan} MB`);
    console.log(`  delta-rs: append ${r.delta_rs.append_rows_per_s} rows/s (${r.delta_rs.append_s} s), scan ${r.delta_rs.scan_rows_per_s} rows/s (${r.delta_rs.scan_s} s), peak RSS ${r.delta_rs.peak_rss_mb} MB`);
    console.log(`  time ratio ours/delta-rs: append ${r.ratio_append}x, append+scan ${r.ratio_total}x (target <= 1.5x; >= 250,000 rows/s appended; < 500 MB)`);
    console.log(JSON.stringify(r));
  } finally {
    rmSync(pyDir, { recursive: true, force: true });
    await lake.remove();
  }
}
