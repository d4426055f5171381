"""The monthly information exchange table (乡镇严重精神障碍患者管理信息交换表) of the previous month.

The table is per township (exchange app). Two measurements:
- generation by the township's governance office (POST /exchange/tables/generate/, the month built
  from the history and frozen);
- the county supervisor opening a township's table (GET /exchange/tables/<pk>/, which rebuilds the
  month from the history as it stands to show pending 补录 lines).
A county's whole month is its ten townships' tables; the per-table figures are what a user waits for.
"""

import datetime as dt

from . import rawsql, tree


def cases(world, repeat: int, today: dt.date) -> list:
    from jingfang.accounts.models import User
    from jingfang.exchange import table as xtable
    from jingfang.exchange.models import ExchangeTable

    from .measure import Case, get

    month = xtable.previous_month(today)
    start, end = xtable.month_bounds(month)
    offices = {u.username: u for u in User.objects.filter(
        username__in=[tree.township_office(c) for c in world.townships])}
    world.users.update(offices)
    townships = list(world.townships)

    def generate(i):
        code = townships[i % len(townships)]
        response = world.client(tree.township_office(code)).post(
            "/exchange/tables/generate/", {"township": code, "month": f"{month:%Y-%m}"})
        if response.status_code != 302 or "/exchange/tables/" not in response["Location"]:
            raise RuntimeError(f"generate answered {response.status_code}")

    county_tables: list[tuple[str, int]] = []

    def view(i):
        if not county_tables:  # one generated table per sampled county (its first township)
            for county in world.counties:
                code = f"{county[:6]}001000"
                office = User.objects.filter(username=tree.township_office(code)).first()
                world.users[office.username] = office
                world.client(office.username).post("/exchange/tables/generate/",
                                                   {"township": code, "month": f"{month:%Y-%m}"})
                t = ExchangeTable.objects.filter(township_id=code, month=month).order_by("-version").first()
                county_tables.append((county, t.pk))
        county, pk = county_tables[i % len(county_tables)]
        get(world.client(tree.county_supervisor(county)), f"/exchange/tables/{pk}/")

    def raw_view(i):
        county = world.counties[i % len(world.counties)]
        rawsql.exchange_month(f"{county[:6]}001000", start, end)

    return [
        Case("township_exchange_generate", f"交换表生成（综治中心，{month:%Y-%m}，约500名患者）", "<1 s", generate,
             lambda i: rawsql.exchange_month(townships[i % len(townships)], start, end), repeat,
             lambda r: r["p50_ms"] < 1000),
        Case("county_exchange_table", f"县级督导查看乡镇交换表（{month:%Y-%m}，含待补录比对）", "<1 s", view, raw_view,
             repeat, lambda r: r["p50_ms"] < 1000),
    ]
