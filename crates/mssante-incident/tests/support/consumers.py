"""Reads the exports of mssante-incident with third-party parsers.

Usage: consumers.py DIR — DIR holds statuspage.json, statuspage.schema.json,
history.atom and incidents.ics (and empty.ics). Prints one JSON object with
what each parser saw; exits non-zero when a parser refuses its input.
"""
import json
import sys
from pathlib import Path

import feedparser
import icalendar
import jsonschema

d = Path(sys.argv[1])
out = {}

# Statuspage: the JSON Schema of the v2 incidents.json shape.
schema = json.loads((d / "statuspage.schema.json").read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.loads((d / "statuspage.json").read_text(encoding="utf-8"))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
out["statuspage"] = {
    "incidents": [i["id"] for i in doc["incidents"]],
    "statuses": {i["id"]: [u["status"] for u in i["incident_updates"]] for i in doc["incidents"]},
}

# Atom: feedparser must read it without a "bozo" (ill-formed) flag.
feed = feedparser.parse((d / "history.atom").read_bytes())
if feed.bozo:
    raise SystemExit(f"feedparser: ill-formed Atom: {feed.bozo_exception!r}")
out["atom"] = {
    "version": feed.version,
    "lang": feed.feed.get("language"),
    "links": sorted((l.get("rel"), l.get("href")) for l in feed.feed.get("links", [])),
    "ids": [e.id for e in feed.entries],
    "titles": [e.title for e in feed.entries],
}

# iCalendar: icalendar reads every calendar; events with their UIDs, sequences, starts.
def read_ics(name):
    cal = icalendar.Calendar.from_ical((d / name).read_bytes())
    events = []
    for ev in cal.walk("VEVENT"):
        start = ev.decoded("DTSTART")
        events.append({
            "uid": str(ev["UID"]),
            "sequence": int(ev.get("SEQUENCE", 0)),
            "start": start.isoformat(),
            "timed": hasattr(start, "hour"),
            "tz": str(start.tzinfo) if getattr(start, "tzinfo", None) else None,
            "summary": str(ev["SUMMARY"]),
        })
    return {"components": [c.name for c in cal.subcomponents], "events": events}

out["ical"] = read_ics("incidents.ics")
out["ical_empty"] = read_ics("empty.ics")
print(json.dumps(out, ensure_ascii=False))
