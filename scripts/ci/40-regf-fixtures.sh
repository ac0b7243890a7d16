#!/usr/bin/env bash
# Checks the project's regf writer (tests/support/regf_writer.rs, used for test fixtures and the
# sample bundles' hives) against an independent reader: regipy (MIT, from PyPI) must read every
# hive written by examples/write_hive_fixture.rs with exactly the keys and values the writer put in.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/regf-fixtures
cargo run --quiet --release --locked --example write_hive_fixture -- "$out"

if ! python3 -c "import regipy" 2>/dev/null; then
  python3 -m pip install --quiet regipy 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages regipy
fi

python3 - "$out" <<'PY'
import json, logging, pathlib, struct, sys
from regipy.registry import RegistryHive

logging.disable(logging.CRITICAL)
out = pathlib.Path(sys.argv[1])
TYPES = {0: "REG_NONE", 1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 4: "REG_DWORD",
         7: "REG_MULTI_SZ", 11: "REG_QWORD"}
failures = []

def expected_value(kind, raw):
    if kind in (1, 2):
        return raw.decode("utf-16-le").rstrip("\0")
    if kind == 7:
        return [s for s in raw.decode("utf-16-le").split("\0") if s]
    if kind == 4:
        return struct.unpack("<I", raw)[0]
    if kind == 11:
        return struct.unpack("<Q", raw)[0]
    return raw

checked = 0
for listing in sorted(out.glob("*.expected.json")):
    name = listing.name[: -len(".expected.json")]
    want = json.loads(listing.read_text())
    hive = RegistryHive(str(out / name))
    got_keys = sorted(sk.path.lstrip("\\") for sk in hive.recurse_subkeys(fetch_values=False) if sk.path != "\\")
    if got_keys != sorted(want["keys"]):
        failures.append(f"{name}: keys differ:\n  regipy {got_keys}\n  writer {sorted(want['keys'])}")
    for v in want["values"]:
        key = hive.get_key("\\" + v["key"])
        values = {x.name.lower(): x for x in key.iter_values(as_json=False, trim_values=False)}
        got = values.get(v["name"].lower() or "(default)")
        if got is None:
            failures.append(f"{name}: {v['key']}\\{v['name']}: missing")
            continue
        kind, raw = v["type"], bytes.fromhex(v["data"])
        if got.value_type != TYPES.get(kind, str(kind)):
            failures.append(f"{name}: {v['key']}\\{v['name']}: type {got.value_type}, written {kind}")
        if kind in TYPES and got.value != expected_value(kind, raw):
            failures.append(f"{name}: {v['key']}\\{v['name']}: {got.value!r:.80} != {expected_value(kind, raw)!r:.80}")
        checked += 1
    print(f"{name}: {len(want['keys'])} keys, {len(want['values'])} values read back by regipy")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"regf fixtures: {checked} values checked with regipy")
PY
