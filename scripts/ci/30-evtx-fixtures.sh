#!/usr/bin/env bash
# Cross-checks the project's EVTX writer (tests/support/evtx_writer.rs) against an independent
# reader: writes the fixture with `examples/write_evtx_fixture.rs`, reads it back with python-evtx
# (installed from PyPI into a throw-away virtualenv) and requires the same records with the same
# values; then requires `wsus-triage inventory` to count the same records, and python-evtx to read
# as many records from the committed samples' .evtx files as wsus-triage does.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A virtualenv keeps the machine's Python untouched; without the venv module, a user install.
if python3 -m venv "$work/venv" 2>/dev/null; then
  py="$work/venv/bin/python"
else
  py=python3
fi
"$py" -m pip install --quiet --disable-pip-version-check python-evtx
cargo run --quiet --release --locked --example write_evtx_fixture -- "$work/out"

"$py" - "$work/out/fixture.evtx" "$work/out/fixture.json" <<'PY'
import datetime, json, sys
import xml.etree.ElementTree as ET
import Evtx.Evtx as evtx

ns = {"e": "http://schemas.microsoft.com/win/2004/08/events/event"}
path, manifest = sys.argv[1], sys.argv[2]
expected = json.load(open(manifest, encoding="utf-8"))
def check(records):
    failures = []
    if len(records) != len(expected):
        failures.append(f"python-evtx reads {len(records)} records, the writer wrote {len(expected)}")
    for record, want in zip(records, expected):
        failures += check_record(record, want)
    return failures

def check_record(record, want):
    failures = []
    rid = want["record_id"]
    event = ET.fromstring(record.xml())
    system = event.find("e:System", ns)
    def text(tag):
        el = system.find(f"e:{tag}", ns)
        return None if el is None else (el.text or "")
    got = {
        "record_num": record.record_num(),
        "provider": system.find("e:Provider", ns).get("Name"),
        "event_id": int(text("EventID")),
        "qualifiers": system.find("e:EventID", ns).get("Qualifiers"),
        "level": int(text("Level")),
        "record_id": int(text("EventRecordID")),
        "channel": text("Channel"),
        "computer": text("Computer"),
    }
    wanted = {
        "record_num": rid,
        "provider": want["provider"],
        "event_id": want["event_id"],
        "qualifiers": None if want["qualifiers"] is None else str(want["qualifiers"]),
        "level": want["level"],
        "record_id": rid,
        "channel": want["channel"],
        "computer": want["computer"],
    }
    for key in wanted:
        if got[key] != wanted[key]:
            failures.append(f"record {rid}: {key} is {got[key]!r}, expected {wanted[key]!r}")
    # python-evtx renders FILETIMEs through a float: allow a millisecond.
    created = system.find("e:TimeCreated", ns).get("SystemTime")
    got_time = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    want_time = datetime.datetime.fromisoformat(want["time"].replace("Z", "+00:00"))
    if abs((got_time - want_time).total_seconds()) > 0.001:
        failures.append(f"record {rid}: TimeCreated {created}, expected {want['time']}")
    data = [(d.get("Name"), (d.text or "").replace("\r\n", "\n")) for d in event.find("e:EventData", ns).findall("e:Data", ns)]
    want_data = [(d["name"], d["value"].replace("\r\n", "\n")) for d in want["data"]]
    if data != want_data:
        failures.append(f"record {rid}: EventData {data!r}, expected {want_data!r}")
    return failures

# The records read the file lazily: check them while it is open.
with evtx.Evtx(path) as log:
    failures = check(list(log.records()))
if failures:
    print("\n".join(failures[:50]))
    sys.exit(1)
print(f"python-evtx reads the {len(expected)} fixture records with the values written")
PY

mkdir -p "$work/bundle/Server/EventLogs"
cp "$work/out/fixture.evtx" "$work/bundle/Server/EventLogs/System.evtx"
expected=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/out/fixture.json")
./target/release/wsus-triage inventory --format json "$work/bundle" >"$work/inventory.json" || true
python3 - "$work/inventory.json" "$expected" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
files = doc["bundles"][0]["files"]
(f,) = files
if f["kind"] != "evtx" or f["records"] != int(sys.argv[2]) or f["problems"]:
    sys.exit(f"wsus-triage inventory: {f}")
print(f"wsus-triage reads the same {f['records']} records")
PY

./target/release/wsus-triage inventory --format json samples/wsus2019-content-401 >"$work/samples.json" || true
"$py" - "$work/samples.json" samples/wsus2019-content-401 <<'PY'
import json, pathlib, sys
import Evtx.Evtx as evtx
doc = json.load(open(sys.argv[1]))
ours = {f["path"]: f["records"] for f in doc["bundles"][0]["files"] if f["kind"] == "evtx"}
root = pathlib.Path(sys.argv[2])
failures = []
for path in sorted(root.rglob("*.evtx")):
    rel = path.relative_to(root).as_posix()
    with evtx.Evtx(str(path)) as log:
        theirs = sum(1 for record in log.records() if record.xml())
    if ours.get(rel) != theirs:
        failures.append(f"{rel}: python-evtx reads {theirs} records, wsus-triage {ours.get(rel)}")
    else:
        print(f"{rel}: {theirs} records for both")
if not ours or failures:
    sys.exit("\n".join(failures) or "no .evtx file in the samples")
PY
