"""Test 7, paper fallback of the offline field app, in Chromium: the township doctor prints the forms of a
village (A4, one per due patient, each with its QR code and code); the village doctor photographs one QR
code with the phone app and that patient's form opens; offline, typing another form's code opens that
patient's form from the encrypted package (a typo is caught on the phone); online, a form printed after
the download is resolved by the server, recorded and synced."""

import re

import pytest
from playwright.sync_api import expect

from jingfang.followups.models import FollowUp
from jingfang.offline import paper, paper_code, paper_tokens
from jingfang.offline.models import PaperToken
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.browser.signin import login
from tests.browser.test_offline_app import DUMP_IDB, PIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VILLAGE = "990102001001"


def fill_visit(page, *, risk: int):
    """The follow-up form, opened: a home visit, patient seen, the required answers, saved on the phone."""
    page.check("input[name=mode][value=home_visit]")
    page.check("input[name=seen][value=true]")
    page.click("#next")
    page.check(f"input[name=risk_level][value='{risk}']")
    page.check("input[name=insight][value=full]")
    page.click("#next")
    page.check("input[name=social_function][value=good]")
    page.click("#next")
    page.check("input[name=adherence][value=regular]")
    page.check("input[name=adverse_reaction][value=none]")
    page.check("input[name=physical_illness][value=none]")
    while page.locator("#next").inner_text() != "保存到本机":
        page.click("#next")
    page.click("#next")
    expect(page.locator("#notice")).to_contain_text("已保存到本机")


def test_print_scan_and_type_paper_forms(live_server, browser, shot, users, make_patient):
    names = ("纸甲", "纸乙", "纸丙")
    patients = [make_patient(VILLAGE, name=n, address=f"青山路{i}号") for i, n in enumerate(names)]
    base = live_server.url

    # 1. the township doctor prints the forms of 甲村 (A4)
    desk = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN", device_scale_factor=2)
    page = desk.new_page()
    page.set_default_timeout(20000)
    try:
        login(page, base, users["doctor"].username)
        page.goto(f"{base}/offline/paper/")
        expect(page.locator("#paper-villages")).to_contain_text("甲村")
        shot(page, "paper-00-choose-village")
        page.click(f"a[href='?village={VILLAGE}']")
        sheets = page.locator(".sheet")
        expect(sheets).to_have_count(3)
        for p in patients:
            sheet = page.locator(f".sheet[data-patient='{p.pk}']")
            expect(sheet).to_contain_text(p.name)
            expect(sheet).to_contain_text(p.address)
            assert p.id_number not in sheet.inner_text()
        shot(page, "paper-01-print-page")
        target = patients[1]
        qr = page.locator(f".sheet[data-patient='{target.pk}'] .qrbox svg")
        png = qr.screenshot()  # the QR code as the phone's camera would see it on the paper
        shown = page.locator(f".sheet[data-patient='{patients[2].pk}'] .qrbox .code").inner_text()
        assert paper_code.problem(shown) is None
        page.emulate_media(media="print")
        pdf = page.pdf(path=str(ARTIFACTS / "paper-02-print.pdf"), format="A4", print_background=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3  # one A4 page per patient
    finally:
        desk.close()

    # 2. the village doctor's phone: download, PIN, scan the photographed QR code: that patient's form opens
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = phone.new_page()
    page.set_default_timeout(20000)
    try:
        login(page, base, users["vdoc"].username)
        page.goto(f"{base}/m/")
        page.click("#download")
        page.fill("#pin", PIN)
        page.fill("#pin2", PIN)
        page.click("#set-pin button[type=submit]")
        expect(page.locator("#due-list")).to_be_visible()
        page.click("#scan")
        expect(page.locator("#code-form")).to_be_visible()
        shot(page, "paper-03-scan-screen")
        page.set_input_files("#scan-photo", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": png}])
        expect(page.locator("main h2")).to_have_text(f"随访：{target.name}")
        expect(page.locator("#notice")).to_contain_text(target.name)
        # read by the browser's own detector, or else by the vendored jsQR (Chromium on Linux has none)
        assert page.evaluate("('BarcodeDetector' in window) || typeof window.jsQR === 'function'")
        shot(page, "paper-04-scanned-form")
        page.click("text=放弃")

        # 3. offline: a typo is caught on the phone; the right code opens the third patient's form
        phone.set_offline(True)
        page.click("#scan")
        wrong = shown[:-1] + ("2" if shown[-1] != "2" else "3")
        page.fill("#code", wrong)
        page.click("#code-form button[type=submit]")
        expect(page.locator("#notice")).to_have_text(paper_code.BAD_CHECK)
        page.fill("#code", shown.lower().replace("-", " "))
        page.click("#code-form button[type=submit]")
        expect(page.locator("main h2")).to_have_text(f"随访：{patients[2].name}")
        fill_visit(page, risk=1)
        # an unknown code offline: said so, nothing asked of anyone
        page.click("#scan")
        page.fill("#code", paper_code.shown(paper_code.make()))
        page.click("#code-form button[type=submit]")
        expect(page.locator("#notice")).to_contain_text("本机离线数据中没有这个编号")
        stored = page.evaluate(DUMP_IDB)["text"]
        assert shown.replace("-", "") not in stored and patients[2].name not in stored  # the codes stay sealed

        # 4. online: a form printed after the download opens through the server, is recorded and synced
        phone.set_offline(False)
        late = make_patient(VILLAGE, name="纸丁", address="青山路9号")
        code = paper_tokens.tokens_for(users["doctor"], [late.pk], 14)[late.pk].code
        page.fill("#code", paper_code.shown(code))
        page.click("#code-form button[type=submit]")
        expect(page.locator("main h2")).to_have_text(f"随访：{late.name}")
        fill_visit(page, risk=0)
        page.click("[data-tab=queue]")
        page.click("#sync")
        expect(page.locator("#notice")).to_contain_text("同步完成")
        assert FollowUp.objects.filter(patient=patients[2]).count() == 1
        assert FollowUp.objects.filter(patient=late).count() == 1
        assert PaperToken.objects.filter(patient=late).count() == 1
    finally:
        phone.close()


def test_camera_scan_opens_the_form(live_server, browser, shot, users, make_patient, tmp_path):
    """The camera path: Chromium's fake camera plays a picture of a printed QR code (MJPEG); the app reads
    the video frames (BarcodeDetector where the browser has one, else jsQR) and opens that patient's form."""
    target = make_patient(VILLAGE, name="镜头甲", address="青山路7号")
    code = paper_tokens.tokens_for(users["doctor"], [target.pk], 14)[target.pk].code
    base = live_server.url
    # a frame as the camera would see the paper: the QR code on white, 640×480
    painter = browser.new_context(viewport={"width": 640, "height": 480})
    try:
        canvas = painter.new_page()
        canvas.set_content('<body style="margin:0;background:#fff;display:flex;align-items:center;'
                           f'justify-content:center;height:480px">{paper.qr_svg(code)}</body>')
        canvas.add_style_tag(content="svg{width:300px;height:300px}")
        frame = canvas.screenshot(type="jpeg", quality=95)
    finally:
        painter.close()
    video = tmp_path / "paper.mjpeg"
    video.write_bytes(frame * 3)
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                     timezone_id="Asia/Shanghai", permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(20000)
        login(page, base, users["vdoc"].username)
        page.goto(f"{base}/m/")
        page.click("#download")
        page.fill("#pin", PIN)
        page.fill("#pin2", PIN)
        page.click("#set-pin button[type=submit]")
        page.click("#scan")
        page.click("#scan-camera")
        expect(page.locator("main h2")).to_have_text(f"随访：{target.name}")
        assert page.evaluate("document.querySelector('#scan-video') === null")  # the camera screen is gone
        shot(page, "paper-05-camera-form")
    finally:
        camera.close()
