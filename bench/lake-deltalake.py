# The delta-rs half of `npm run bench -- lake`: the same bronze-shaped rows, written in the same
# batches with write_deltalake, then scanned. Prints one JSON line. Timing covers the writes and
# the scan only, not building the Arrow batches (as the TypeScript half times append only).
import json, os, resource, shutil, sys, time
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

path, total, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shutil.rmtree(path, ignore_errors=True)
OPS = ["c", "u", "d", "r"]
SPORTS = ["Runing", "Vélo", "Randonnée", "Natation"]


def make(start, n):
    ks = range(start, start + n)
    ts = lambda xs: pa.array(xs, pa.timestamp("us", tz="UTC"))
    return pa.table({
        "activity_id": pa.array(list(ks), pa.int64()),
        "employee_id": pa.array([k % 161 for k in ks], pa.int32()),
        "sport_type": [SPORTS[k % 4] for k in ks],
        "distance_m": pa.array([None if k % 7 == 0 else (k % 10000) * 1.5 for k in ks], pa.float64()),
        "elapsed_s": pa.array([k % 3600 for k in ks], pa.int32()),
        "start_time": ts([(1_731_571_200_000 + k * 1000) * 1000 for k in ks]),
        "comment": [f"sortie {k}" if k % 5 else None for k in ks],
        "_op": [OPS[k % 4] for k in ks],
        "_lsn": [f"0/{k * 16:X}" for k in ks],
        "_tx_id": pa.array([1000 + (k >> 4) for k in ks], pa.int64()),
        "_source_ts": ts([(1_731_571_200_000 + k) * 1000 for k in ks]),
        "_ingested_at": ts([(1_731_571_201_000 + k) * 1000 for k in ks]),
        "_topic": ["lakehouse.public.activities"] * n,
        "_partition": pa.array([k % 3 for k in ks], pa.int32()),
        "_offset": pa.array(list(ks), pa.int64()),
        "ingest_date": pa.array([__import__("datetime").date(2024, 11, 14)] * n, pa.date32()),
    })


write_s = 0.0
for start in range(0, total, batch):
    t = make(start, batch)
    t0 = time.perf_counter()
    write_deltalake(path, t, mode="append", partition_by=["ingest_date"])
    write_s += time.perf_counter() - t0
t0 = time.perf_counter()
rows = DeltaTable(path).to_pyarrow_table().num_rows
scan_s = time.perf_counter() - t0
print(json.dumps({"write_s": write_s, "scan_s": scan_s, "rows": rows, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
sys.stdout.flush()
# deltalake's runtime now and then aborts while the interpreter shuts down ("terminate called
# without an active exception", SIGABRT), after the work above is done: leave without the teardown
os._exit(0)
