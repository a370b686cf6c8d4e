#!/usr/bin/python3
"""Checks deploy/observability/dashboard.json (CTest toq_dashboard_check).

1. It is a Grafana dashboard: JSON with a title, a uid, unique panel ids, and every panel's
   datasource the ${datasource} variable the dashboard declares.
2. Every PromQL expression of every panel parses: they are written into a temporary rule file as
   recording rules and checked by Prometheus' own `promtool check rules`.
(Tests/http/ops_http_test.cpp checks that every metric the dashboard and the alerts name is exposed
by the real /metrics.)
usage: check_dashboard.py DASHBOARD_JSON PROMTOOL
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    path, promtool = sys.argv[1:3]
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    problems = []
    for key in ("title", "uid", "panels"):
        if not dash.get(key):
            problems.append(f"missing {key}")
    names = [v.get("name") for v in dash.get("templating", {}).get("list", [])]
    if "datasource" not in names:
        problems.append("no ${datasource} variable")
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        problems.append(f"panel ids repeat: {ids}")
    exprs = []
    for panel in dash.get("panels", []):
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {panel.get('title')!r} does not use ${{datasource}}")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"panel {panel.get('title')!r} has no query")
        for t in targets:
            exprs.append((panel.get("title"), t.get("expr", "")))
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "dashboard_rules.yml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (_, expr) in enumerate(exprs):
                f.write(f"      - record: dashboard_expr_{i}\n        expr: {json.dumps(expr)}\n")
        check = subprocess.run([promtool, "check", "rules", rules], capture_output=True, text=True)
        if check.returncode != 0:
            problems.append("promtool check rules:\n" + check.stdout + check.stderr)
    for p in problems:
        print("dashboard.json:", p)
    print(f"{len(exprs)} expressions in {len(ids)} panels checked; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
