"""The measurement results as a Markdown table (for bench/out/measure.md and RESULTS.md)."""


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Machine: {m.get('cpu', '?')}, {m.get('cpus')} CPUs, {m.get('ram_gb', '?')} GB RAM; "
        f"load average {m.get('load_avg')}; Python {m.get('python')}",
        "",
        "| measurement | p50 ms | p95 ms | raw SQL p50 ms | ratio | app DB time p50 ms (queries) | target | pass |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in report["results"]:
        if "error" in r:
            lines.append(f"| {r['label']} | error: {r['error'][:120]} | | | | | {r['target']} | ✗ |")
            continue
        verdict = {True: "✓", False: "✗", None: "—"}[r.get("pass")]
        lines.append(
            f"| {r['label']} | {r['p50_ms']} | {r['p95_ms']} | {r.get('raw_p50_ms', '—')} | {r.get('ratio', '—')} "
            f"| {r['db_p50_ms']} ({r['queries_p50']}) | {r['target']} | {verdict} |")
        for extra in r.get("extra", []):
            lines.append(f"| ↳ {extra} | | | | | | | |")
    return "\n".join(lines) + "\n"
