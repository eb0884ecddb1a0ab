"""Parses OTLP/HTTP JSON bodies into the official protobuf messages (opentelemetry-proto) with
ignore_unknown_fields=False: an unknown or mistyped field fails. Prints a JSON summary.

    python3 otlp_check.py metrics|logs FILE     (FILE: one JSON body per line)
"""
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

kind, path = sys.argv[1], sys.argv[2]
summary = {"requests": 0, "metrics": {}, "resources": [], "logs": []}


def attributes(attrs):
    values = {}
    for a in attrs:
        which = a.value.WhichOneof("value")
        values[a.key] = getattr(a.value, which) if which else None
    return values


for line in open(path, encoding="utf-8"):
    if not line.strip():
        continue
    if kind == "metrics":
        request = json_format.Parse(line, ExportMetricsServiceRequest(), ignore_unknown_fields=False)
        for rm in request.resource_metrics:
            summary["resources"].append(attributes(rm.resource.attributes))
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    which = m.WhichOneof("data")
                    data = getattr(m, which)
                    points = [{"attributes": attributes(p.attributes),
                               "value": getattr(p, p.WhichOneof("value")),
                               "start": p.start_time_unix_nano, "time": p.time_unix_nano} for p in data.data_points]
                    entry = {"type": which, "unit": m.unit, "points": points}
                    if which == "sum":
                        entry["monotonic"] = data.is_monotonic
                        entry["temporality"] = data.aggregation_temporality
                    summary["metrics"].setdefault(m.name, []).append(entry)
    else:
        request = json_format.Parse(line, ExportLogsServiceRequest(), ignore_unknown_fields=False)
        for rl in request.resource_logs:
            summary["resources"].append(attributes(rl.resource.attributes))
            for sl in rl.scope_logs:
                for r in sl.log_records:
                    summary["logs"].append({"body": r.body.string_value, "event": r.event_name,
                                            "severity": r.severity_number, "time": r.time_unix_nano,
                                            "attributes": attributes(r.attributes)})
    summary["requests"] += 1
print(json.dumps(summary))
