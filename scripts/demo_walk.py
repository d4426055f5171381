"""Walk the README's ★ list on a running demo (`make run`) as the printed logins, in Debian's Chromium.

    .venv/bin/python scripts/demo_walk.py [--base http://127.0.0.1:8000] [--out test-artifacts/demo-walk]

Each step signs in as its user, opens the page (following a link where the step says so), checks that
the capability shows (the texts it expects are on the page) and takes a screenshot on a desktop
(1280 px) and a phone (390 px). Exits non-zero and names the steps whose page did not show them.
The steps are the README's ★ list, in its order.
"""

import argparse
import os
import sys
from pathlib import Path

PASSWORD = "Jingfang@2026"
CHROMIUM = os.environ.get("JINGFANG_CHROMIUM", "/usr/bin/chromium")

# (number, user, path, links to follow in turn (CSS/Playwright selectors), texts that must show, texts that must not)
STEPS = [
    (1, "doctor1", "/worklist/", [], ["工作台", "需面访"], []),
    (2, "vdoc1", "/patients/", ["table a[href^='/patients/']"], ["随访"], []),
    (3, "doctor4", "/keypersons/", [], ["重点人员", "一人一策"], []),
    (4, "doctor3", "/care/teams/", [], ["康复协调员", "民政干部"], []),
    (5, "doctor4", "/care/teams/", [], ["乡镇包村干部"], []),
    (6, "vdoc2", "/care/teams/", ["tr:not(:has-text('不完整')) a[href$='/team/']", "a:has-text('监护协议')"],
     ["监护责任", "有效"], ["未签订"]),
    (7, "office1", "/care/meetings/", [], ["乡镇综合管理小组例会", "联合会商调度", "关爱帮扶小组例会"], []),
    (8, "vdoc1", "/worklist/?kind=deadline", [], ["会议任务"], []),
    (9, "civil2", "/support/benefits/gaps/", [], ["未纳入低保"], []),
    (10, "dpf3", "/support/benefits/gaps/", [], ["残疾"], []),
    (11, "office2", "/support/rewards/", [], ["600", "已发放"], []),
    (12, "office4", "/support/rewards/", [], ["200", "已发放"], []),
    (13, "office4", "/support/insurance/", [], ["责任"], []),
    (14, "office4", "/support/relief/", [], ["村委会已初审，待乡镇审批", "定点医院已办理", "已存档"], []),
    (15, "doctor4", "/support/relief/", ["a:has-text('定点医院已办理')", "a:has-text('查看')"], ["救助基金", "个人自付"], []),
    (16, "county", "/support/relief/fund/", [], ["1400000", "已支出"], []),
    (17, "county", "/stats/", [], ["管理率"], []),
    (18, "police1", "/patients/", ["table a[href^='/patients/']"], ["监护人"], ["诊断与治疗"]),
    (19, "judicial4", "/patients/", [], ["患者"], ["诊断与治疗"]),
    (20, "cadre1", "/screening/", [], ["疑似"], []),
    (21, "doctor2", "/intake/transfers/inbox/", [], ["转"], []),
    (22, "police2", "/emergency/", [], ["紧急查阅"], []),
    (23, "office3", "/exchange/", [], ["信息交换"], []),
    (24, "auditor", "/audit/", [], ["审计"], ["诊断与治疗"]),
    (25, "police3", "/worklist/", [], ["点名：不在控", "次点名联系不上"], ["诊断与治疗"]),
    (26, "county", "/workforce/", [], ["每10万人口精神科执业（助理）医师数", "中岭乡"], []),
    (27, "civil2", "/support/costs/burden/", [], ["费用负担较重的贫困患者", "个人自付"], []),
    (28, "doctor4", "/support/costs/", [], ["待登记费用的住院救助", "平均自付比例"], []),
    (29, "office1", "/care/meetings/?kind=joint_consultation_quarterly", ["table a[href^='/care/meetings/']"],
     ["会商材料", "督办问责未销号", "督导整改逾期"], []),
    (30, "office1", "/accountability/", [], ["约谈", "已逾期", "按期整改率"], []),
    (31, "cadre1", "/worklist/?kind=deadline", [], ["约谈整改：青山社区"], ["诊断与治疗"]),
    (32, "county", "/rehab/", [], ["镇街社区康复机构覆盖率", "中岭乡", "75%"], []),
    (33, "dpf2", "/rehab/enrolments/", [], ["平川镇阳光庇护工厂"], ["诊断与治疗", "随访记录的康复措施"]),
]


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def walk(base: str, out: Path, only: set[int]) -> list[str]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        for width, height, tag in ((1280, 900, "desktop"), (390, 844, "phone")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(20000)
            for number, user, path, links, wanted, unwanted in STEPS:
                if only and number not in only:
                    continue
                login(page, base, user)
                response = page.goto(f"{base}{path}")
                for link in links:
                    page.locator(link).first.click()
                    page.wait_for_load_state()
                text = page.inner_text("body")
                missing = [w for w in wanted if w not in text]
                shown = [u for u in unwanted if u in text]
                status = response.status if response else 0
                if missing or shown or status >= 400:
                    problems.append(f"★{number} {user} {path} ({tag}): status {status}, missing {missing}, "
                                    f"should not show {shown}")
                page.screenshot(path=str(out / f"{number:02d}-{user}-{tag}.png"), full_page=True)
            context.close()
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="test-artifacts/demo-walk")
    parser.add_argument("--only", default="", help="comma-separated step numbers")
    args = parser.parse_args()
    only = {int(n) for n in args.only.split(",") if n.strip()}
    problems = walk(args.base.rstrip("/"), Path(args.out), only)
    for p in problems:
        print(p)
    print(f"{len([s for s in STEPS if not only or s[0] in only])} steps, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
