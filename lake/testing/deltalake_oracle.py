# The reference reader for the lake's tests: Python deltalake (delta-rs). Reads requests as JSON
# on stdin and prints one JSON document, with values in a canonical form that the TypeScript
# side produces too (see canonical.ts), so rows can be compared exactly.
import base64, datetime, decimal, json, os, sys

from deltalake import DeltaTable, write_deltalake


def canon(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if v == v else "NaN"
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        delta = v - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        return "ts:" + str(micros // 1000)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return "hex:" + bytes(v).hex()
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        if all(isinstance(x, tuple) and len(x) == 2 for x in v) and len(v) > 0:
            return {str(k): canon(x) for k, x in v}
        return [canon(x) for x in v]
    return str(v)


def read(req):
    path = req["path"]
    options = req.get("storageOptions")
    dt = DeltaTable(path, storage_options=options) if "version" not in req else DeltaTable(path, version=req["version"], storage_options=options)
    if "timestamp" in req:
        dt.load_as_version(datetime.datetime.fromisoformat(req["timestamp"].replace("Z", "+00:00")))
    out = {"version": dt.version()}
    meta = dt.metadata()
    out["partitionColumns"] = list(meta.partition_columns)
    out["schema"] = json.loads(dt.schema().to_json())
    out["configuration"] = dict(meta.configuration)
    proto = dt.protocol()
    out["protocol"] = [proto.min_reader_version, proto.min_writer_version]
    import pyarrow as pa
    # decoded relative paths, as the log's URIs mean them
    from urllib.parse import unquote
    out["files"] = sorted(unquote(p) for p in pa.table(dt.get_add_actions(flatten=True)).column("path").to_pylist())
    if req.get("rows", True):
        rows = (dt.to_pyarrow_table(columns=req["columns"]) if req.get("columns") else dt.to_pyarrow_table()).to_pylist()
        out["rows"] = sorted((canon(r) for r in rows), key=lambda r: json.dumps(r, sort_keys=True))
    if req.get("history"):
        out["history"] = [{"version": h.get("version"), "operation": h.get("operation")} for h in dt.history()]
    if req.get("txn"):
        out["files"] = len(dt.file_uris())
    return out


def write(req):
    import pyarrow as pa
    spec = req["spec"]
    path = req["path"]
    for step in spec:
        table = pa.Table.from_pylist(step["rows"], schema=schema_of(step["schema"])) if "rows" in step else None
        if step["op"] == "write":
            write_deltalake(path, table, mode=step.get("mode", "append"), partition_by=step.get("partitionBy"))
        elif step["op"] == "delete":
            DeltaTable(path).delete(step["predicate"])
        elif step["op"] == "checkpoint":
            DeltaTable(path).create_checkpoint()
        elif step["op"] == "optimize":
            DeltaTable(path).optimize.compact()
        elif step["op"] == "merge":
            (DeltaTable(path).merge(table, step["predicate"], source_alias="s", target_alias="t")
             .when_matched_update_all().when_not_matched_insert_all().execute())
    return {"version": DeltaTable(path).version()}


def schema_of(fields):
    import pyarrow as pa
    types = {
        "string": pa.string(), "long": pa.int64(), "integer": pa.int32(), "short": pa.int16(), "byte": pa.int8(),
        "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(), "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"), "binary": pa.binary(),
    }
    out = []
    for name, t in fields:
        if t.startswith("decimal"):
            p, s = t[8:-1].split(",")
            out.append(pa.field(name, pa.decimal128(int(p), int(s))))
        elif t.startswith("array<"):
            out.append(pa.field(name, pa.list_(types[t[6:-1]])))
        else:
            out.append(pa.field(name, types[t]))
    return pa.schema(out)


def convert_in(step):
    # timestamps arrive as epoch microseconds, dates as ISO strings, decimals as strings, bytes as hex
    return step


def main():
    reqs = json.load(sys.stdin)
    results = []
    for req in reqs:
        try:
            if req.get("kind") == "write":
                for step in req["spec"]:
                    if "rows" in step:
                        step["rows"] = [decode_row(r, dict(step["schema"])) for r in step["rows"]]
                results.append(write(req))
            else:
                results.append(read(req))
        except Exception as e:  # the caller compares errors too: both readers must refuse a bad table
            results.append({"error": type(e).__name__ + ": " + str(e)})
    answer(results)


def answer(doc):
    """Prints the one JSON answer and leaves at once.

    delta-rs's runtime now and then aborts while the interpreter shuts down ("terminate called
    without an active exception", SIGABRT, about 1 run in 10 here) after the answer is complete.
    Leaving by os._exit skips that teardown; the caller (lake/testing/python.ts) also accepts a
    complete answer from a process that died afterwards, should it happen anyway.
    """
    sys.stdout.write(json.dumps(doc))
    sys.stdout.write("\n")
    sys.stdout.flush()
    os._exit(0)


def decode_row(row, types):
    out = {}
    for k, v in row.items():
        t = types.get(k, "string")
        if v is None:
            out[k] = None
        elif t == "timestamp":
            out[k] = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=int(v))
        elif t == "date":
            out[k] = datetime.date.fromisoformat(v)
        elif t.startswith("decimal"):
            out[k] = decimal.Decimal(v)
        elif t == "binary":
            out[k] = bytes.fromhex(v)
        else:
            out[k] = v
    return out


if __name__ == "__main__":
    main()
