"""A village doctor's day with the phone app (/m/) in Chromium, with its service worker: download the
offline package and set the PIN online; go offline, reload, unlock, record three visits (one unstable,
risk 3), close the page and find them still queued; back online, a sync whose reply is lost, then
the retry: the server holds each visit once and the phone shows the server's next-due dates. At rest
nothing personal is in clear; after logout nothing of the package remains."""

import json

import pytest
from playwright.sync_api import expect

from jingfang.followups.models import FollowUp
from jingfang.offline import services as offline_services
from jingfang.offline.models import OfflineEntry
from jingfang.registry.models import Patient
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "246810"
VILLAGE = "990102001001"
ADDRESS = "青山路八十八号"
SW_READY = "navigator.serviceWorker.ready.then((r) => Boolean(r.active))"
# Every record of the app's IndexedDB as text: strings as they are, bytes as hex and as UTF-8.
DUMP_IDB = """async () => {
  const dbs = (await indexedDB.databases()).map((d) => d.name);
  if (!dbs.includes("jingfang-offline")) return {exists: false, text: "", count: 0};
  const db = await new Promise((ok, ko) => { const r = indexedDB.open("jingfang-offline");
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const parts = []; let count = 0;
  const walk = (v) => {
    if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
      const bytes = new Uint8Array(v);
      parts.push([...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""));
      parts.push(new TextDecoder("utf-8", {fatal: false}).decode(bytes));
    } else if (v && typeof v === "object") { for (const k of Object.keys(v)) { parts.push(k); walk(v[k]); } }
    else parts.push(String(v));
  };
  for (const name of db.objectStoreNames) {
    const store = db.transaction(name).objectStore(name);
    const [keys, values] = await Promise.all([
      new Promise((ok) => { const r = store.getAllKeys(); r.onsuccess = () => ok(r.result); }),
      new Promise((ok) => { const r = store.getAll(); r.onsuccess = () => ok(r.result); })]);
    count += values.length; keys.forEach(walk); values.forEach(walk);
  }
  db.close();
  return {exists: true, text: parts.join("\\n"), count};
}"""
CACHED_URLS = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) out.push(new URL(request.url).pathname);
  }
  return out;
}"""


def unlock(page):
    page.wait_for_selector("#unlock")
    page.fill("#pin", PIN)
    page.click("#unlock button[type=submit]")
    expect(page.locator("#due-list")).to_be_visible()


def record_visit(page, shot, patient, *, risk: int, check_messages: bool = False):
    page.click("[data-tab=due]")
    page.click(f"[data-patient='{patient.pk}']")
    expect(page.locator("#patient-card")).to_contain_text(ADDRESS)
    page.click("#record")
    page.check("input[name=mode][value=home_visit]")
    page.check("input[name=seen][value=true]")
    page.click("#next")
    if check_messages:  # the server's rule, checked on the phone in its words
        page.click("#next")
        expect(page.locator("[data-field=risk_level] .error")).to_have_text("危险性评估：见到患者时必须填写此项")
        shot(page, "offline-03-form-message")
    page.check(f"input[name=risk_level][value='{risk}']")
    page.check("input[name=insight][value=full]")
    page.click("#next")
    page.check("input[name=social_function][value=good]")
    page.click("#next")
    page.check("input[name=adherence][value=regular]")
    page.check("input[name=adverse_reaction][value=none]")
    page.check("input[name=physical_illness][value=none]")
    page.click("#next")
    page.click("#next")
    expect(page.locator("#next")).to_have_text("保存到本机")
    page.click("#next")
    expect(page.locator("#notice")).to_contain_text("已保存到本机")
    expect(page.locator("#notice")).to_contain_text("下次随访日期将在同步后由系统计算")


def test_a_day_offline_then_sync_once(live_server, browser, shot, users, make_patient):
    patients = [make_patient(VILLAGE, name=name, address=f"{ADDRESS}{i}") for i, name in
                enumerate(("甲离线", "乙离线", "丙离线"))]
    ids = [p.pk for p in patients]
    before = FollowUp.objects.filter(patient_id__in=ids).count()
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(20000)
    violations = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        # 1. online: sign in, open the app, download, set the PIN
        login(page, base, users["vdoc"].username)
        page.goto(f"{base}/m/")
        assert page.evaluate(SW_READY)
        with page.expect_response("**/api/v1/offline/package") as answer:
            page.click("#download")
        assert answer.value.status == 200 and "no-store" in answer.value.headers["cache-control"]
        page.fill("#pin", PIN)
        page.fill("#pin2", PIN)
        page.click("#set-pin button[type=submit]")
        due = page.locator("#due-list")
        for p in patients:
            expect(due).to_contain_text(p.name)
        shot(page, "offline-01-due-list")

        # offline: reload, the app opens from the service worker, the PIN unlocks, the due list shows
        context.set_offline(True)
        page.reload()
        expect(page.locator("#net")).to_have_text("离线")
        unlock(page)
        for p in patients:
            expect(page.locator("#due-list")).to_contain_text(p.name)
        shot(page, "offline-02-unlocked-offline")

        # 2. three visits offline, one unstable (risk 3); a new page after closing still holds them
        record_visit(page, shot, patients[0], risk=1, check_messages=True)
        record_visit(page, shot, patients[1], risk=3)
        record_visit(page, shot, patients[2], risk=0)
        expect(page.locator("#waiting")).to_have_text("3")
        page.close()
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(f"{base}/m/")
        unlock(page)
        expect(page.locator("#waiting")).to_have_text("3")
        page.click("[data-tab=queue]")
        expect(page.locator("#queue-pending li")).to_have_count(3)
        shot(page, "offline-04-queue-offline")

        # at rest: no name or address in clear in IndexedDB, nothing personal in the shell's cache
        stored = page.evaluate(DUMP_IDB)
        assert stored["exists"] and stored["count"] >= 5  # lock, package, state, three visits
        for p in patients:
            assert p.name not in stored["text"] and p.address not in stored["text"]
            assert p.name.encode().hex() not in stored["text"]
        assert ADDRESS.encode().hex() not in stored["text"]
        cached = page.evaluate(CACHED_URLS)
        assert "/m/" in cached and all(u == "/m/" or u.startswith("/static/mobile/") for u in cached), cached

        # 3./4. online: the first sync's reply is lost (the server processes it); the retry doubles nothing
        context.set_offline(False)
        lost = []

        def lose_reply(route):
            lost.append(route.fetch().status)
            route.abort()

        page.route("**/api/v1/offline/sync", lose_reply)
        page.click("#sync")
        expect(page.locator("#notice")).to_contain_text("同步未收到服务器应答")
        page.unroute("**/api/v1/offline/sync")
        assert lost == [200]
        assert FollowUp.objects.filter(patient_id__in=ids).count() == before + 3  # recorded, reply lost
        expect(page.locator("#waiting")).to_have_text("3")  # the phone kept them

        page.click("#sync")
        expect(page.locator("#notice")).to_contain_text("同步完成")
        expect(page.locator("#waiting")).to_have_text("0")
        assert FollowUp.objects.filter(patient_id__in=ids).count() == before + 3
        done = page.locator("#queue-done")
        for p in patients:
            p.refresh_from_db()
            visit = FollowUp.objects.filter(patient=p).latest("id")
            assert visit.next_due_date is not None
            expect(done.locator("li", has_text=p.name)).to_contain_text(f"下次随访：{visit.next_due_date.isoformat()}")
        unstable = FollowUp.objects.filter(patient=patients[1]).latest("id")
        assert unstable.risk_level == 3 and unstable.condition == "unstable"
        expect(page.locator("#last-sync")).not_to_have_text("从未")
        shot(page, "offline-05-synced")

        page.click("#sync")  # again: nothing waits, nothing is written
        expect(page.locator("#notice")).to_contain_text("没有待同步的记录")
        assert FollowUp.objects.filter(patient_id__in=ids).count() == before + 3

        # 5. logout wipes everything on the phone
        page.click("[data-tab=account]")
        page.click("#logout")
        expect(page.locator("#notice")).to_contain_text("已退出，本机离线数据已清除")
        after = page.evaluate(DUMP_IDB)
        assert after["count"] == 0
        assert Patient.objects.filter(pk__in=ids).count() == 3
        assert violations == []
    finally:
        context.close()


EXPIRE_NOW = """async () => {
  const db = await new Promise((ok) => { const r = indexedDB.open("jingfang-offline"); r.onsuccess = () => ok(r.result); });
  const store = db.transaction("meta", "readwrite").objectStore("meta");
  const lock = await new Promise((ok) => { const r = store.get("lock"); r.onsuccess = () => ok(r.result); });
  lock.expires_at = "2000-01-01T00:00:00+08:00";
  await new Promise((ok) => { const r = store.put(lock, "lock"); r.onsuccess = ok; });
  db.close();
}"""


def download(page):
    page.click("#download")
    page.fill("#pin", PIN)
    page.fill("#pin2", PIN)
    page.click("#set-pin button[type=submit]")
    expect(page.locator("#due-list")).to_be_visible()


def test_wipes_and_a_held_visit(live_server, browser, shot, users, make_user, make_patient):
    """Five wrong PINs and the package's expiry wipe the phone; a visit to a patient transferred away
    meanwhile is held and the phone says so; a changed role wipes the phone at the next contact."""
    patient = make_patient(VILLAGE, name="丁离线", address=ADDRESS)
    other = make_patient(VILLAGE, name="戊离线", address=ADDRESS)
    third = make_patient(VILLAGE, name="己离线", address=ADDRESS)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        login(page, base, users["vdoc"].username)
        page.goto(f"{base}/m/")
        download(page)

        page.reload()  # five wrong PINs
        for left in (4, 3, 2, 1):
            page.fill("#pin", "000000")
            page.click("#unlock button[type=submit]")
            expect(page.locator("#notice")).to_contain_text(f"还可再试 {left} 次")
        shot(page, "offline-06-wrong-pin")
        page.fill("#pin", "000000")
        page.click("#unlock button[type=submit]")
        expect(page.locator("#notice")).to_contain_text("PIN 连续输错 5 次，本机离线数据已清除")
        expect(page.locator("#download")).to_be_visible()
        assert page.evaluate(DUMP_IDB)["count"] == 0

        download(page)  # the package expires
        page.evaluate(EXPIRE_NOW)
        page.reload()
        expect(page.locator("#notice")).to_contain_text("到期，已自动清除")
        assert page.evaluate(DUMP_IDB)["count"] == 0

        download(page)  # a refused visit is kept, shown in the server's words, corrected and sent again
        context.set_offline(True)
        record_visit(page, shot, other, risk=0)
        context.set_offline(False)

        def refuse(route):
            client_id = route.request.post_data_json["visits"][0]["client_id"]
            route.fulfill(status=200, content_type="application/json", body=json.dumps({
                "synced_at": "2026-12-07T20:30:00+08:00", "results": [{
                    "client_id": client_id, "kind": "visit", "status": "refused", "message": "随访记录有误，请修改后重发",
                    "errors": [{"field": "risk_level", "message": "请复核危险性评估"}], "followup_id": None,
                    "next_due_date": None, "due": []}]}, ensure_ascii=False))

        page.route("**/api/v1/offline/sync", refuse)
        page.click("[data-tab=queue]")
        page.click("#sync")
        refused = page.locator("#queue-refused")
        expect(refused).to_contain_text("随访记录有误，请修改后重发")
        expect(refused).to_contain_text("危险性评估：请复核危险性评估")
        expect(page.locator("#waiting")).to_have_text("1")
        shot(page, "offline-08-refused")
        page.unroute("**/api/v1/offline/sync")
        refused.locator("button", has_text="修改后重发").click()
        expect(page.locator("[data-field=risk_level] .error")).to_have_text("危险性评估：请复核危险性评估")
        page.check("input[name=risk_level][value='2']")
        while page.locator("#next").inner_text() != "保存到本机":
            page.click("#next")
        page.click("#next")
        expect(page.locator("#queue-pending")).to_contain_text(other.name)
        page.click("#sync")
        expect(page.locator("#queue-done")).to_contain_text(other.name)
        assert list(FollowUp.objects.filter(patient=other).values_list("risk_level", flat=True)) == [2]

        # a visit offline to a patient who is transferred away meanwhile: held, and said so
        context.set_offline(True)
        record_visit(page, shot, patient, risk=0)
        Patient.objects.filter(pk=patient.pk).update(region_id="990102002001")  # now in another township
        context.set_offline(False)
        page.click("[data-tab=queue]")
        page.click("#sync")
        held = page.locator("#queue-held")
        expect(held).to_contain_text(patient.name)
        assert FollowUp.objects.filter(patient=patient).count() == 0
        expect(page.locator("#waiting")).to_have_text("0")
        shot(page, "offline-07-held")
        # the township doctor decides; the phone shows it the next time it is online
        entry = OfflineEntry.objects.get(user=users["vdoc"], patient_id=patient.pk)
        offline_services.dismiss_held(users["doctor"], entry, "患者已迁出，由迁入地乡镇补录")
        page.click("[data-tab=due]")
        page.click("[data-tab=queue]")
        expect(page.locator("#queue-done")).to_contain_text("审核后不予录入：患者已迁出，由迁入地乡镇补录")
        expect(page.locator("#queue-held")).to_have_count(0)

        # another account signed in on this browser never receives this account's visits
        make_user("village_doctor", "v11", username="vdoc_b")
        context.set_offline(True)
        record_visit(page, shot, third, risk=1)
        context.set_offline(False)
        login(page, base, "vdoc_b", fresh=True)
        page.goto(f"{base}/m/")
        unlock(page)
        page.click("[data-tab=queue]")
        page.click("#sync")
        expect(page.locator("#notice")).to_contain_text("现在登录的是账户 vdoc_b")
        assert FollowUp.objects.filter(patient=third).count() == 0

        # the session ends (idle timeout): the sync's 401 wipes the package at once; the visit stays,
        # sealed, until the same account signs in again and syncs it
        context.clear_cookies()
        page.click("[data-tab=queue]")
        page.click("#sync")
        expect(page.locator("#notice")).to_contain_text("登录已失效")
        expect(page.locator("#waiting")).to_have_text("1")
        stored = page.evaluate(DUMP_IDB)["text"].split("\n")
        assert "package" not in stored and any(k.startswith("q:") for k in stored)
        login(page, base, users["vdoc"].username)
        page.goto(f"{base}/m/")
        page.fill("#pin", PIN)
        page.click("#unlock button[type=submit]")
        expect(page.locator("main")).to_contain_text("没有离线数据包")
        page.click("[data-tab=queue]")
        page.click("#sync")
        expect(page.locator("#queue-done")).to_contain_text(third.name)
        assert FollowUp.objects.filter(patient=third).count() == 1
        page.click("[data-tab=due]")
        page.click("#download")
        expect(page.locator("#due-list")).to_be_visible()

        # the account's role changes: the next contact wipes the phone
        type(users["vdoc"]).objects.filter(pk=users["vdoc"].pk).update(role="village_cadre")
        page.click("[data-tab=account]")
        page.click("text=重新下载离线数据包")
        expect(page.locator("#notice")).to_contain_text("本机离线数据已清除")
        assert page.evaluate(DUMP_IDB)["count"] == 0
    finally:
        context.close()
