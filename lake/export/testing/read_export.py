# Reads an export folder back the way a user's tool would: each table's Parquet file with pyarrow,
# and its CSV with pyarrow's CSV reader typed from manifest.json. Prints, per table, the Arrow
# schema of the Parquet file and both files' rows in the canonical form of the lake's tests
# (lake/testing/deltalake_oracle.py), in file order.
import json, os, sys

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "testing"))
from deltalake_oracle import answer, canon  # noqa: E402


def arrow_type(t):
    if t.startswith("decimal("):
        p, s = t[len("decimal("):-1].split(",")
        return pa.decimal128(int(p), int(s))
    return {
        "integer": pa.int32(), "long": pa.int64(), "string": pa.string(), "boolean": pa.bool_(), "double": pa.float64(),
        "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"),
    }[t]


def main():
    folder = sys.argv[1]
    manifest = json.load(open(os.path.join(folder, "manifest.json"), encoding="utf-8"))
    out = {}
    for t in manifest["tables"]:
        parquet = pq.read_table(os.path.join(folder, t["files"]["parquet"]))
        types = {c["name"]: arrow_type(c["type"]) for c in t["columns"]}
        csv = pcsv.read_csv(
            os.path.join(folder, t["files"]["csv"]),
            read_options=pcsv.ReadOptions(encoding="utf8"),
            convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False),
        )
        out[t["name"]] = {
            "parquet_schema": [[f.name, str(f.type)] for f in parquet.schema],
            "parquet": [canon(r) for r in parquet.to_pylist()],
            "csv_header": csv.column_names,
            "csv": [canon(r) for r in csv.to_pylist()],
        }
    answer(out)


if __name__ == "__main__":
    main()
