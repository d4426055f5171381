"""How many audited transactions per second the audit hash chain lets through, by number of concurrent
writers: each writer appends rows with ``audit.log.record`` in its own transaction (its own database
connection, a thread each), as requests do. The chain head is locked until each transaction commits,
so this measures the serialisation it imposes (commit latency included)."""

import threading
import time

from django.db import connections


def rate(writers: int, seconds: float = 5.0) -> dict:
    from jingfang.audit import log as audit

    counts = [0] * writers
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def work(k: int) -> None:
        try:
            while time.monotonic() < deadline:
                audit.record(None, "login_failed", username=f"bench-{k}")
                counts[k] += 1
        except Exception as exc:  # noqa: BLE001 - reported
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(writers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return {"writers": writers, "rows": sum(counts), "per_second": round(sum(counts) / elapsed, 1),
            "errors": errors[:3]}


def run(levels=(1, 2, 4, 8, 16), seconds: float = 5.0) -> list[dict]:
    from jingfang.audit.chain import verify_chain

    out = [rate(n, seconds) for n in levels]
    ok, count, _, message = verify_chain()
    for row in out:
        row["chain_ok"] = ok
    print("audit appends/s by concurrent writers: " + ", ".join(f"{r['writers']}: {r['per_second']}" for r in out)
          + f" ({message})")
    return out
