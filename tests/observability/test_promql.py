"""The dashboard and the alerting rules against a real daemon: every PromQL expression parses
(promtool) and names only metrics the daemon exports (or the rules record); and the rules'
own unit tests (promtool test rules)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile

import pytest
import yaml

from conftest import REPO, make_traffic, require_tool, start_daemon
from apicached import Client

DASHBOARD = os.path.join(REPO, "etc", "grafana", "apicached.json")
RULES = os.path.join(REPO, "etc", "prometheus", "apicached-rules.yml")
RULE_TESTS = os.path.join(REPO, "etc", "prometheus", "apicached-rules.test.yml")

# Grafana's variables, replaced by what Prometheus would see.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h",
                "$instance": ".*", "$namespace": ".*"}
# PromQL words that look like names: functions, aggregations, keywords.
NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"')


def dashboard_exprs():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                out.append((f"dashboard panel {p['title']!r} {t['refId']}", t["expr"]))
            walk(p.get("panels", []))
    walk(dash["panels"])
    for var in dash["templating"]["list"]:
        query = var.get("definition", "")
        m = re.fullmatch(r"label_values\((\w+), *(\w+)\)", query)
        if m:  # Grafana's label_values(metric, label): the metric must exist
            out.append((f"dashboard variable {var['name']}", m.group(1)))
    return out


def rule_exprs():
    with open(RULES) as f:
        rules = yaml.safe_load(f)
    out, recorded = [], set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            if "record" in rule:
                recorded.add(rule["record"])
            out.append((f"rule {name}", rule["expr"]))
    return out, recorded


def grafana_to_promql(expr: str) -> str:
    for var, value in sorted(GRAFANA_VARS.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(var, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


def metric_names(expr: str):
    """Names in expr that are metrics: identifiers not followed by '(' (functions), not label
    names inside {...} or by/without/on/ignoring (...) lists, not keywords or durations."""
    text = STRING_RE.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    keywords = {"and", "or", "unless", "bool", "offset", "inf", "nan", "le"}
    names = set()
    for m in NAME_RE.finditer(text):
        word = m.group(0)
        rest = text[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in keywords:
            continue
        if re.fullmatch(r"\d+[smhdwy]", text[m.start() - 1:m.end()].lstrip("[")):
            continue
        names.add(word)
    return names


@pytest.fixture(scope="module")
def daemon():
    """With the size bounds on (a global limit and a quota), so that their series exist too."""
    d = start_daemon(["--max-disk-bytes", "1000000000", "--ns-quota", "migo=100000000"])
    yield d
    d.stop()


@pytest.fixture(scope="module")
def exported(daemon):
    client = Client(daemon.url)
    make_traffic(client)
    text = client.metrics()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            base = line.split()[2]
            names.add(base)
            if line.split()[3] == "histogram":
                names.update({base + "_bucket", base + "_sum", base + "_count"})
        elif line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


def test_every_expression_parses_with_promtool():
    promtool = require_tool("promtool", "prometheus")
    exprs = [(w, grafana_to_promql(e)) for w, e in dashboard_exprs()]
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expr_{i}", "expr": e} for i, (_, e) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(rules, f)
        f.flush()
        for path in (f.name, RULES):
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                               text=True)
            assert r.returncode == 0, f"{path}:\n{r.stdout}{r.stderr}"
    assert len(exprs) >= 30


def test_every_expression_names_only_exported_metrics(exported):
    rule_list, recorded = rule_exprs()
    missing = []
    for where, expr in dashboard_exprs() + rule_list:
        names = metric_names(grafana_to_promql(expr))
        assert names, f"{where}: no metric in {expr}"
        for name in names - recorded:
            if name not in exported:
                missing.append(f"{where}: {name}")
    assert missing == [], "not exported by the daemon:\n" + "\n".join(missing)


def test_the_checker_catches_an_unknown_metric(exported):
    assert metric_names('sum by (route) (rate(apicached_nope_total{x="y"}[5m]))') == {
        "apicached_nope_total"}
    assert "apicached_nope_total" not in exported


def test_dashboard_covers_what_operators_need():
    exprs = " ".join(e for _, e in dashboard_exprs())
    for name in ("apicached_cache_hits_total", "apicached_http_requests_total",
                 "apicached_http_request_duration_seconds_bucket", "apicached_hot_cache_bytes",
                 "apicached_namespace_disk_bytes", "apicached_hot_cache_evictions_total",
                 "apicached_invalid_records", "apicached_warmup_keys_loaded",
                 "apicached_health_status", "apicached_cache_lease_events_total",
                 "apicached_cache_lease_waiters", "apicached_namespace_used_bytes",
                 "apicached_namespace_quota_bytes", "apicached_namespace_evictions_total",
                 "apicached_disk_used_bytes", "apicached_eviction_seconds_total"):
        assert name in exprs, name
    assert "by (protocol, route)" in exprs


def test_alerting_rules_unit_tests():
    promtool = require_tool("promtool", "prometheus")
    r = subprocess.run([promtool, "test", "rules", os.path.basename(RULE_TESTS)],
                       cwd=os.path.dirname(RULE_TESTS), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout
