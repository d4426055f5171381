// 精防随访: the offline follow-up app. The package and the queue live only in IndexedDB, sealed with
// the key derived from the offline PIN; the key lives only in this page's memory.
import {PBKDF2_ITERATIONS, deriveKey, open, randomBytes, seal} from "./crypto.js";
import {body as formBody, readGroup, renderGroup, validate} from "./form.js";
import * as paperCode from "./paper.js";
import {fromCamera, fromPhoto} from "./scan.js";
import * as store from "./store.js";

const MAX_PIN_FAILURES = 5;
const BATCH = 100;  // entries per sync request (the server refuses more)
const CHECK = "jingfang-offline";
const DONE_KEPT = 50;  // synced visits still shown on the phone
const T = {
  notForRole: "离线随访仅供村医和乡镇精防人员使用",
  signIn: "请先联网登录，再下载离线数据包",
  expired: (at) => `离线数据已于 ${at} 到期，已自动清除。请联网登录后重新下载。`,
  wiped: `PIN 连续输错 ${MAX_PIN_FAILURES} 次，本机离线数据已清除。`,
  revoked: "服务器拒绝了此账户（账户已停用或角色已变更），本机离线数据已清除。",
  loggedOut: "已退出，本机离线数据已清除。",
  sessionLost: "登录已失效：请重新登录后再同步。未同步的随访仍加密保存在本机；离线数据包已清除，登录后请重新下载。",
  noAnswer: "同步未收到服务器应答，所有待同步记录都已保留，稍后再试（重发不会重复记录）。",
  otherSession: (now, mine) => `现在登录的是账户 ${now}，本机的离线数据属于账户 ${mine}。请退出后用 ${mine} 登录再同步。`,
  otherUser: (u) => `本机保存着账户 ${u} 未同步的随访。请用该账户登录并同步后再换账户。`,
  computedOnSync: "下次随访日期将在同步后由系统计算",
  codeOffline: "本机离线数据中没有这个编号。请核对编号；如是本乡镇新打印的随访表，请联网后再试。",
  noQr: "照片中没有找到二维码，请对准随访表右上角的二维码重拍，或输入二维码下方的编号。",
};
const shell = document.body.dataset;
const app = document.getElementById("app");
const S = {key: null, lock: null, pkg: null, state: {}, queue: [], done: [], tab: "due"};

// --- small helpers -----------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function notice(text, kind = "info") {
  const box = document.getElementById("notice");
  box.textContent = text || "";
  box.className = `notice ${kind}`;
  box.hidden = !text;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function nowIso() {
  const d = new Date();
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${today()}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

function shown(iso) {
  if (!iso) return "从未";
  return iso.replace("T", " ").slice(0, 16);
}

function csrf() {
  const hit = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return hit ? decodeURIComponent(hit.split("=")[1]) : "";
}

function problem(data, fallback) {
  if (data && Array.isArray(data.errors) && data.errors.length && data.errors[0].message) return data.errors[0].message;
  if (data && typeof data.detail === "string") return data.detail;
  if (data && typeof data.title === "string") return data.title;
  return fallback;
}

// --- the lock: PIN, expiry, wipe -------------------------------------------------------------------
async function wipeAll(message) {
  S.key = null;
  S.lock = null;
  S.pkg = null;
  S.queue = [];
  S.done = [];
  S.state = {};
  await store.wipe();
  notice(message, "warn");
  render();
}

async function expiredWipe() {
  if (S.lock && S.lock.expires_at && Date.now() > Date.parse(S.lock.expires_at)) {
    await wipeAll(T.expired(shown(S.lock.expires_at)));
    return true;
  }
  return false;
}

async function setPin(pin, pkg) {
  const salt = randomBytes(16);
  const key = await deriveKey(pin, salt, PBKDF2_ITERATIONS);
  const lock = {salt, iterations: PBKDF2_ITERATIONS, check: await seal(key, CHECK), failures: 0,
    expires_at: pkg.expires_at};
  await store.setMeta("lock", lock);
  S.key = key;
  S.lock = lock;
  await keepPackage(pkg);
}

async function unlock(pin) {
  const lock = await store.getMeta("lock");
  S.lock = lock || null;
  if (!lock) {  // wiped meanwhile (another tab)
    render();
    return false;
  }
  if (await expiredWipe()) return false;
  const key = await deriveKey(pin, lock.salt, lock.iterations);
  try {
    if (await open(key, lock.check) !== CHECK) throw new Error("check");
  } catch {
    lock.failures = (lock.failures || 0) + 1;
    if (lock.failures >= MAX_PIN_FAILURES) {
      await wipeAll(T.wiped);
      return false;
    }
    await store.setMeta("lock", lock);
    notice(`PIN 不正确，还可再试 ${MAX_PIN_FAILURES - lock.failures} 次；输错 ${MAX_PIN_FAILURES} 次将清除本机离线数据。`, "error");
    return false;
  }
  lock.failures = 0;
  await store.setMeta("lock", lock);
  S.key = key;
  S.lock = lock;
  await load();
  return true;
}

async function load() {
  S.pkg = (await store.getSealed(S.key, "package")) || null;
  S.state = (await store.getSealed(S.key, "state")) || {};
  S.queue = await store.allSealed(S.key, "q:");
  S.queue.sort((a, b) => a.recorded_at.localeCompare(b.recorded_at));
  S.done = (await store.getSealed(S.key, "done")) || [];
}

async function keepPackage(pkg) {
  S.pkg = pkg;
  S.state.username = pkg.user.username;
  S.state.downloaded_at = nowIso();
  S.lock.expires_at = pkg.expires_at;
  await store.putSealed(S.key, "package", pkg);
  await store.putSealed(S.key, "state", S.state);
  await store.setMeta("lock", S.lock);
}

// --- talking to the server --------------------------------------------------------------------------
async function fetchPackage() {
  let response;
  try {
    response = await fetch(shell.package, {credentials: "same-origin", cache: "no-store",
      headers: {Accept: "application/json"}});
  } catch {
    notice("无法连接服务器，请在有网络时下载。", "error");
    return null;
  }
  if (response.status === 401 || response.redirected) {
    notice(T.signIn, "warn");
    renderSignIn();
    return null;
  }
  if (response.status === 403) {
    if (S.lock) await wipeAll(T.revoked);
    else notice(T.notForRole, "error");
    return null;
  }
  const data = await response.json().catch(() => null);
  if (!response.ok || !data) {
    notice(problem(data, `下载失败（${response.status}），请稍后再试。`), "error");
    return null;
  }
  return data;
}

async function download() {
  notice("正在下载离线数据包……");
  const pkg = await fetchPackage();
  if (!pkg) return;
  if (S.key) {  // unlocked already (a new package for the same account, e.g. after signing in again)
    const waiting = S.queue.filter((e) => e.status !== "held");
    if (S.state.username && pkg.user.username !== S.state.username) {
      if (waiting.length) {
        notice(T.otherUser(S.state.username), "error");
        return;
      }
      await wipeAll("");
      renderSetPin(pkg);
      return;
    }
    await keepPackage(pkg);
    notice(`已下载 ${pkg.patients.length} 名患者的离线数据，${shown(pkg.expires_at)} 到期。`);
    show("due");
    return;
  }
  notice(`已下载 ${pkg.patients.length} 名患者的离线数据。请设置 6 位数字离线 PIN。`);
  renderSetPin(pkg);
}

async function saveEntry(entry) {
  await store.putSealed(S.key, `q:${entry.client_id}`, entry);
  const i = S.queue.findIndex((e) => e.client_id === entry.client_id);
  if (i >= 0) S.queue[i] = entry;
  else S.queue.push(entry);
}

function wire(entry) {
  if (entry.kind === "roll_call") {
    const {client_id, patient_id, date, result, note} = entry;
    return {client_id, patient_id, date, result, note: note || ""};
  }
  return {client_id: entry.client_id, patient_id: entry.patient_id, form: entry.form, recorded_at: entry.recorded_at};
}

async function sync() {
  if (!S.key) return;
  const pending = S.queue.filter((e) => e.status === "pending");
  if (!pending.length) {
    notice("没有待同步的记录。");
    render();
    await refreshOutcomes();
    return;
  }
  notice(`正在同步 ${pending.length} 条……`);
  if (!(await sameAccount())) return;
  for (let start = 0; start < pending.length; start += BATCH) {
    const batch = pending.slice(start, start + BATCH);
    const payload = {visits: batch.filter((e) => e.kind !== "roll_call").map(wire),
      roll_calls: batch.filter((e) => e.kind === "roll_call").map(wire)};
    let response;
    let data = null;
    try {
      response = await fetch(shell.sync, {method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify(payload)});
      data = await response.json().catch(() => null);
    } catch {
      notice(T.noAnswer, "error");
      render();
      return;
    }
    if (response.status === 401 || response.redirected) {
      await store.remove("package");
      S.pkg = null;
      notice(T.sessionLost, "warn");
      render();
      return;
    }
    if (response.status === 403) {
      await wipeAll(T.revoked);
      return;
    }
    if (!response.ok || !data || !Array.isArray(data.results)) {
      notice(problem(data, `同步失败（${response.status}），记录都已保留，稍后再试。`), "error");
      render();
      return;
    }
    await applyResults(data.results);
    S.state.last_sync = data.synced_at || nowIso();
    await store.putSealed(S.key, "state", S.state);
  }
  const refused = S.queue.filter((e) => e.status === "refused").length;
  const held = S.queue.filter((e) => e.status === "held").length;
  notice(`同步完成。${refused ? `${refused} 条被退回，请修改后重发。` : ""}${held ? `${held} 条暂缓，待乡镇精防人员审核。` : ""}`,
    refused || held ? "warn" : "ok");
  show("queue");
  await refreshOutcomes();
}

/** Before sending: the session must be the account the phone's data belongs to, still allowed to work
 *  offline. Another account's session never receives these visits. */
async function sameAccount() {
  let response;
  let me = null;
  try {
    response = await fetch(shell.me, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}});
    me = await response.json().catch(() => null);
  } catch {
    notice(T.noAnswer, "error");
    render();
    return false;
  }
  if (response.status === 401) {
    await store.remove("package");
    S.pkg = null;
    notice(T.sessionLost, "warn");
    render();
    return false;
  }
  if (!response.ok || !me) {
    notice(problem(me, `同步失败（${response.status}），记录都已保留，稍后再试。`), "error");
    render();
    return false;
  }
  if (!(me.permissions || []).includes("offline_field")) {
    await wipeAll(T.revoked);
    return false;
  }
  if (S.state.username && me.username !== S.state.username) {
    notice(T.otherSession(me.username, S.state.username), "error");
    render();
    return false;
  }
  return true;
}

async function applyResults(results) {
  const byId = new Map(S.queue.map((e) => [e.client_id, e]));
  for (const result of results) {
    const entry = byId.get(result.client_id);
    if (!entry) continue;
    if (result.due && S.pkg) {
      const patient = S.pkg.patients.find((p) => p.id === entry.patient_id);
      if (patient) patient.due = result.due;
    }
    if (result.status === "applied") {
      await store.remove(`q:${entry.client_id}`);
      S.queue = S.queue.filter((e) => e.client_id !== entry.client_id);
      S.done.unshift({client_id: entry.client_id, kind: entry.kind, patient_id: entry.patient_id,
        patient_name: entry.patient_name, date: entry.form ? entry.form.date : entry.date,
        result: entry.result, next_due_date: result.next_due_date || null, message: result.message || ""});
    } else {
      entry.status = result.status === "held" ? "held" : "refused";
      entry.message = result.message || "";
      entry.errors = result.errors || [];
      await saveEntry(entry);
    }
  }
  S.done = S.done.slice(0, DONE_KEPT);
  await store.putSealed(S.key, "done", S.done);
  if (S.pkg) await store.putSealed(S.key, "package", S.pkg);
}

/** What became of the visits a sync held (the township doctor's review), while online. */
async function refreshOutcomes() {
  const held = new Map(S.queue.filter((e) => e.status === "held").map((e) => [e.client_id, e]));
  if (!S.key || !held.size || !navigator.onLine) return;
  let data = null;
  try {
    const response = await fetch(shell.outcomes, {credentials: "same-origin", cache: "no-store",
      headers: {Accept: "application/json"}});
    if (response.ok) data = await response.json();
  } catch { /* no answer: try again next time */ }
  if (!data || !Array.isArray(data.items)) return;
  for (const item of data.items) {
    const entry = held.get(item.client_id);
    if (!entry) continue;
    if (item.status === "held") {
      entry.message = item.message || entry.message;
      await saveEntry(entry);
      continue;
    }
    await store.remove(`q:${entry.client_id}`);
    S.queue = S.queue.filter((e) => e.client_id !== entry.client_id);
    S.done.unshift({client_id: entry.client_id, kind: entry.kind, patient_id: entry.patient_id,
      patient_name: entry.patient_name, date: entry.form ? entry.form.date : entry.date, next_due_date: null,
      reviewed: item.status, message: item.message || ""});
  }
  S.done = S.done.slice(0, DONE_KEPT);
  await store.putSealed(S.key, "done", S.done);
  if (S.tab === "queue") render();
}

async function logout() {
  await wipeAll(T.loggedOut);
  if (navigator.onLine) {
    try {
      await fetch(shell.logout, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}});
    } catch { /* offline: the session ends on its own */ }
  }
  render();
}

// --- screens ------------------------------------------------------------------------------------------
function waiting() {
  return S.queue.filter((e) => e.status === "pending" || e.status === "refused").length;
}

function status() {
  const box = document.getElementById("status");
  box.hidden = !S.key;
  document.getElementById("waiting").textContent = String(waiting());
  document.getElementById("last-sync").textContent = shown(S.state.last_sync);
  document.getElementById("net").textContent = navigator.onLine ? "在线" : "离线";
  const tabs = document.getElementById("tabs");
  tabs.hidden = !S.key;
  const rollTab = tabs.querySelector("[data-tab=rollcall]");
  rollTab.hidden = !(S.pkg && S.pkg.roll_call && S.pkg.roll_call.active);
  for (const button of tabs.querySelectorAll("button")) {
    button.classList.toggle("active", button.dataset.tab === S.tab);
  }
}

function show(tab) {
  closeCamera();
  S.tab = tab;
  render();
}

function render() {
  status();
  if (!S.lock) return renderStart();
  if (!S.key) return renderUnlock();
  if (S.tab === "queue") return renderQueue();
  if (S.tab === "account") return renderAccount();
  if (!S.pkg) return renderNoPackage();
  if (S.tab === "rollcall") return renderRollCall();
  return renderDue();
}

function screen(title, ...children) {
  app.replaceChildren(el("h2", {text: title}), ...children.filter(Boolean));
  window.scrollTo(0, 0);
}

function renderStart() {
  screen("下载离线数据包",
    el("p", {text: "联网时下载您名下近期需随访的患者，之后可在无信号处离线录入随访，回到有网络处再同步。"}),
    el("button", {type: "button", class: "primary", id: "download", onclick: download, text: "下载离线数据包"}));
}

function renderSignIn() {
  app.append(el("p", {}, el("a", {class: "button", href: shell.login, text: "登录"})));
}

function pinInput(id, label) {
  return el("label", {class: "pin"}, el("span", {text: label}),
    el("input", {id, type: "password", inputmode: "numeric", autocomplete: "off", pattern: "[0-9]{6}",
      maxlength: 6, required: true}));
}

function renderSetPin(pkg) {
  const form = el("form", {id: "set-pin"},
    pinInput("pin", "离线 PIN（6 位数字）"), pinInput("pin2", "再输入一次"),
    el("button", {type: "submit", class: "primary", text: "设置 PIN 并保存"}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const pin = form.querySelector("#pin").value;
    if (!/^\d{6}$/.test(pin)) return notice("离线 PIN：须为 6 位数字", "error");
    if (pin !== form.querySelector("#pin2").value) return notice("两次输入的 PIN 不一致", "error");
    form.querySelector("button").disabled = true;
    notice("正在加密保存……");
    await setPin(pin, pkg);
    notice(`离线数据已加密保存，${shown(pkg.expires_at)} 到期。`, "ok");
    show("due");
  });
  screen("设置离线 PIN",
    el("p", {text: "离线打开本应用时需输入此 PIN。请勿使用生日等易猜数字；连续输错 5 次将清除本机离线数据。"}), form);
}

function renderUnlock() {
  const form = el("form", {id: "unlock"}, pinInput("pin", "离线 PIN"),
    el("button", {type: "submit", class: "primary", text: "解锁"}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const pin = form.querySelector("#pin").value;
    if (!/^\d{6}$/.test(pin)) return notice("离线 PIN：须为 6 位数字", "error");
    form.querySelector("button").disabled = true;
    if (await unlock(pin)) {
      notice("");
      show("due");
    } else if (S.lock) {
      form.querySelector("button").disabled = false;
      form.querySelector("#pin").value = "";
    }
  });
  screen("输入离线 PIN", form);
}

function renderNoPackage() {
  screen("没有离线数据包",
    el("p", {text: "请联网登录后重新下载。未同步的随访仍保存在本机，可在“同步”页查看。"}),
    el("button", {type: "button", class: "primary", id: "download", onclick: download, text: "下载离线数据包"}),
    el("p", {}, el("a", {class: "button", href: shell.login, text: "登录"})));
}

function firstDue(patient) {
  const dates = (patient.due || []).map((d) => d.due_date).filter(Boolean).sort();
  return dates[0] || "";
}

function queuedFor(patientId) {
  return S.queue.filter((e) => e.patient_id === patientId && e.kind !== "roll_call");
}

function renderDue() {
  const patients = [...S.pkg.patients].sort((a, b) => firstDue(a).localeCompare(firstDue(b)));
  const list = el("ul", {class: "cards", id: "due-list"});
  for (const p of patients) {
    const due = (p.due || [])[0];
    const queued = queuedFor(p.id);
    list.append(el("li", {},
      el("button", {type: "button", class: "card", "data-patient": String(p.id), onclick: () => renderPatient(p.id)},
        el("strong", {text: p.name}), p.key_person ? el("span", {class: "tag", text: "重点"}) : null,
        el("span", {class: "muted", text: p.village}),
        el("span", {class: "due", text: due ? `${due.due_date} ${due.reason || ""}` : "近期无到期事项"}),
        queued.length ? el("span", {class: "tag queued", text: `已录 ${queued.length} 条待同步`}) : null)));
  }
  screen(`待随访（${patients.length}）`,
    el("p", {class: "muted", text: `离线数据 ${shown(S.pkg.expires_at)} 到期`}),
    el("button", {type: "button", id: "scan", onclick: renderScan, text: "扫码/输入编号（纸质随访表）"}),
    patients.length ? list : el("p", {text: "近期没有需要随访的患者。"}));
}

function patientById(id) {
  return S.pkg ? S.pkg.patients.find((p) => p.id === id) : null;
}

function row(label, value) {
  return el("div", {class: "row"}, el("dt", {text: label}), el("dd", {text: value || "—"}));
}

function renderPatient(id) {
  const p = patientById(id);
  if (!p) return show("due");
  const last = p.last_visit;
  const dues = el("ul", {class: "plain"});
  for (const d of p.due || []) dues.append(el("li", {text: `${d.due_date} ${d.reason || ""}`}));
  const meds = (p.medications || []).map((m) => `${m.name} ${m.dose || ""}`.trim()).join("；");
  const queued = queuedFor(id);
  screen(p.name,
    el("dl", {class: "facts", id: "patient-card"},
      row("村（社区）", p.village), row("住址", p.address), row("监护人", p.guardian_name),
      row("重点人员", p.key_person ? "是" : "否"),
      row("上次随访", last ? `${last.date} 危险性${last.risk_level ?? "—"}级` : "无"),
      row("用药", meds)),
    el("h3", {text: "待办"}), dues,
    queued.length ? el("p", {class: "tag queued", text: `本机已录 ${queued.length} 条随访，待同步`}) : null,
    el("button", {type: "button", class: "primary", id: "record", onclick: () => renderForm({patient: p}),
      text: "录入随访"}),
    el("button", {type: "button", onclick: () => show("due"), text: "返回列表"}));
}

function initialValues(patient) {
  const fields = S.pkg.form.fields;
  const values = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.default !== undefined && field.default !== null) values[name] = structuredClone(field.default);
  }
  if (fields.date) values.date = today();
  if (fields.seen) values.seen = true;
  const last = patient.last_visit;
  if (fields.mode && last && last.mode) values.mode = last.mode;
  if (fields.risk_level && last && last.risk_level !== undefined && last.risk_level !== null) {
    values.risk_level = last.risk_level;
  }
  if (fields.medications && patient.medications) {
    values.medications = patient.medications.map((m) => ({name: m.name, dose: m.dose || ""}));
  }
  return values;
}

/** The values the rules' messages and comparisons name ({registered_on}, the profile's numbers). */
function paramsFor(patient) {
  const params = {};
  if (patient) {
    Object.assign(params, patient.params || {});
    for (const name of Object.keys(S.pkg.form.params || {})) {
      if (patient[name] !== undefined && !(name in params)) params[name] = patient[name];
    }
  }
  return params;
}

/** The follow-up form, one group per screen. ``entry``: a refused visit being corrected. */
function renderForm({patient, entry = null}) {
  const form = S.pkg.form;
  const groups = form.groups;
  const values = entry ? structuredClone(entry.form) : initialValues(patient);
  let errors = {};
  if (entry && entry.errors) for (const e of entry.errors) errors[e.field || "__all__"] = e.message;
  let index = 0;
  if (entry) {
    const hit = groups.findIndex((g) => g.fields.some((f) => f in errors));
    index = hit >= 0 ? hit : 0;
  }
  const body = el("div", {class: "group"});
  const title = el("h3");
  const back = el("button", {type: "button", id: "prev", text: "上一步"});
  const next = el("button", {type: "button", class: "primary", id: "next", text: "下一步"});
  const step = () => {
    const group = groups[index];
    title.textContent = `${index + 1}/${groups.length} ${group.label}`;
    renderGroup(body, form, group, values, errors);
    back.disabled = index === 0;
    next.textContent = index === groups.length - 1 ? "保存到本机" : "下一步";
    window.scrollTo(0, 0);
  };
  back.addEventListener("click", () => {
    readGroup(body, form, groups[index], values);
    index -= 1;
    step();
  });
  next.addEventListener("click", async () => {
    const group = groups[index];
    readGroup(body, form, group, values);
    errors = validate(form, values, paramsFor(patient || patientById(entry.patient_id)), today());
    if (group.fields.some((f) => f in errors)) {
      notice("请先改正本页标出的问题", "error");
      return step();
    }
    if (index < groups.length - 1) {
      notice("");
      index += 1;
      return step();
    }
    const first = groups.findIndex((g) => g.fields.some((f) => f in errors));
    if (first >= 0 || errors.__all__) {
      notice(errors.__all__ || "请先改正标出的问题", "error");
      index = Math.max(first, 0);
      return step();
    }
    next.disabled = true;
    const saved = entry ? {...entry} : {client_id: crypto.randomUUID(), kind: "visit", patient_id: patient.id,
      patient_name: patient.name};
    Object.assign(saved, {form: formBody(form, values), recorded_at: saved.recorded_at || nowIso(),
      status: "pending", message: "", errors: []});
    await saveEntry(saved);
    notice(`已保存到本机，待同步。${S.pkg.preview ? "" : T.computedOnSync}`, "ok");
    show(entry ? "queue" : "due");
  });
  screen(`随访：${patient ? patient.name : entry.patient_name}`, title, body,
    el("div", {class: "actions"}, back, next),
    el("p", {class: "muted", text: S.pkg.preview ? "" : T.computedOnSync}),
    el("button", {type: "button", onclick: () => show(entry ? "queue" : "due"), text: "放弃"}));
  step();
}

// --- paper forms: scan the QR code or type the code under it ---------------------------------------
let stopCamera = null;

function closeCamera() {
  if (stopCamera) stopCamera();
  stopCamera = null;
}

/** Open the form of the patient a code names: from the package (offline too), else asked of the server. */
async function openCode(text, {scanned = false} = {}) {
  let code;
  if (scanned) {
    code = paperCode.fromScan(text);
    if (!code) return notice(paperCode.NOT_OURS, "error");
  } else {
    const wrong = paperCode.problem(text);
    if (wrong) return notice(wrong, "error");
    code = paperCode.normalize(text);
  }
  const known = (S.pkg.paper_codes || {})[code];
  if (known && patientById(known)) return openPaperForm(patientById(known), code);
  if (!navigator.onLine) return notice(T.codeOffline, "error");
  notice("正在查询编号……");
  let response;
  let data = null;
  try {
    response = await fetch(shell.resolve, {method: "POST", credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify({code})});
    data = await response.json().catch(() => null);
  } catch {
    return notice(T.codeOffline, "error");
  }
  if (response.status === 401 || response.redirected) return notice(T.signIn, "warn");
  if (!response.ok || !data || !data.patient) return notice(problem(data, `查询失败（${response.status}）`), "error");
  const patient = data.patient;
  const i = S.pkg.patients.findIndex((p) => p.id === patient.id);
  if (i >= 0) S.pkg.patients[i] = patient;
  else S.pkg.patients.push(patient);
  S.pkg.paper_codes = {...(S.pkg.paper_codes || {}), [data.code]: patient.id};
  await store.putSealed(S.key, "package", S.pkg);
  return openPaperForm(patient, data.code);
}

function openPaperForm(patient, code) {
  closeCamera();
  renderForm({patient});
  notice(`纸质随访表 ${paperCode.shown(code)}：${patient.name}（${patient.village}）。请核对姓名后录入。`, "ok");
}

function renderScan() {
  closeCamera();
  notice("");
  const video = el("video", {id: "scan-video", playsinline: true, muted: true, hidden: true});
  const camera = el("button", {type: "button", class: "primary", id: "scan-camera", text: "用摄像头扫二维码"});
  camera.addEventListener("click", async () => {
    closeCamera();
    video.hidden = false;
    notice("请将随访表右上角的二维码对准取景框……");
    const scan = fromCamera(video, shell.jsqr);
    stopCamera = scan.stop;
    const {text, error} = await scan.result;
    video.hidden = true;
    if (text) return openCode(text, {scanned: true});
    if (error) notice(error, "error");
  });
  const photo = el("input", {type: "file", id: "scan-photo", accept: "image/*", capture: "environment"});
  photo.addEventListener("change", async () => {
    const file = photo.files && photo.files[0];
    if (!file) return;
    notice("正在识别照片中的二维码……");
    let text = null;
    try {
      text = await fromPhoto(file, shell.jsqr);
    } catch {
      text = null;
    }
    photo.value = "";
    if (!text) return notice(T.noQr, "error");
    await openCode(text, {scanned: true});
  });
  const form = el("form", {id: "code-form"},
    el("label", {for: "code", text: "或输入二维码下方的编号（10位）"}),
    el("input", {type: "text", id: "code", inputmode: "text", autocomplete: "off", autocapitalize: "characters",
      spellcheck: "false", maxlength: 16, placeholder: "例如 ABCDE-FGHJK"}),
    el("button", {type: "submit", class: "primary", text: "打开随访表"}));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    openCode(form.querySelector("#code").value);
  });
  screen("扫码/输入编号",
    el("p", {class: "muted", text: "乡镇打印的纸质随访表右上角有二维码，下方是编号。扫码或输入编号即打开该患者的随访表；离线时可打开本机离线数据中的患者。"}),
    camera, video,
    el("label", {class: "button secondary", for: "scan-photo", text: "拍照识别二维码"}), photo,
    form,
    el("button", {type: "button", onclick: () => { closeCamera(); show("due"); }, text: "返回列表"}));
}

function entryItem(entry) {
  const what = entry.kind === "roll_call" ? `点名 ${entry.date}` : `随访 ${entry.form.date}`;
  const item = el("li", {class: `entry ${entry.status}`, "data-client-id": entry.client_id},
    el("strong", {text: entry.patient_name || `患者 ${entry.patient_id}`}), el("span", {text: what}));
  if (entry.message) item.append(el("p", {class: "message", text: entry.message}));
  for (const e of entry.errors || []) {
    const field = S.pkg && S.pkg.form.fields[e.field];
    const name = field ? field.label : e.field === "patient_id" ? "患者" : e.field;
    item.append(el("p", {class: "error", text: name ? `${name}：${e.message}` : e.message}));
  }
  if (entry.status === "refused" && entry.kind !== "roll_call") {
    item.append(el("button", {type: "button", text: "修改后重发", disabled: !S.pkg,
      onclick: () => renderForm({patient: patientById(entry.patient_id), entry})}));
  }
  return item;
}

function renderQueue() {
  const groups = [["pending", "待同步"], ["refused", "被退回（请修改后重发）"], ["held", "暂缓（待乡镇审核）"]];
  const parts = [];
  for (const [state, label] of groups) {
    const entries = S.queue.filter((e) => e.status === state);
    if (!entries.length) continue;
    parts.push(el("h3", {text: `${label}（${entries.length}）`}),
      el("ul", {class: "cards", id: `queue-${state}`}, ...entries.map(entryItem)));
  }
  if (S.done.length) {
    parts.push(el("h3", {text: `已同步（${S.done.length}）`}), el("ul", {class: "cards", id: "queue-done"},
      ...S.done.map((d) => el("li", {class: "entry done", "data-client-id": d.client_id},
        el("strong", {text: d.patient_name || `患者 ${d.patient_id}`}),
        el("span", {text: d.kind === "roll_call" ? `点名 ${d.date} ${labelOf(d.result)}` : `随访 ${d.date}`}),
        d.reviewed ? el("span", {class: "message", text: d.message}) : null,
        d.kind === "roll_call" || d.reviewed ? null : el("span", {class: "next-due",
          text: d.next_due_date ? `下次随访：${d.next_due_date}` : "下次随访：—"})))));
  }
  screen("同步",
    el("p", {text: `待同步 ${waiting()} 条；上次同步成功：${shown(S.state.last_sync)}`}),
    el("button", {type: "button", class: "primary", id: "sync", onclick: sync, text: "立即同步"}),
    ...parts);
}

function renderRollCall() {
  const rc = S.pkg.roll_call;
  const list = el("ul", {class: "cards", id: "rollcall-list"});
  const date = today();
  for (const id of rc.patient_ids || []) {
    const p = patientById(id);
    const mine = (e) => e.kind === "roll_call" && e.patient_id === id && e.date === date;
    const done = S.queue.find(mine);
    const synced = S.done.find(mine);
    const shownResult = done || synced;
    const item = el("li", {class: "card", "data-patient": String(id)}, el("strong", {text: p ? p.name : `患者 ${id}`}),
      el("span", {class: "muted", text: shownResult
        ? `已点名：${labelOf(shownResult.result)}${done ? "（待同步）" : "（已同步）"}` : "今日未点名"}));
    const buttons = el("div", {class: "choices three"});
    for (const [value, text] of [["present", "在控"], ["absent", "不在控"], ["unreachable", "联系不上"]]) {
      buttons.append(el("button", {type: "button", text, class: shownResult && shownResult.result === value ? "picked" : null,
        disabled: Boolean(synced && !done), onclick: async () => {
        await saveEntry({client_id: done ? done.client_id : crypto.randomUUID(), kind: "roll_call", patient_id: id,
          patient_name: p ? p.name : "", date, result: value, note: "", recorded_at: nowIso(), status: "pending"});
        show("rollcall");
      }}));
    }
    item.append(buttons);
    list.append(item);
  }
  screen(`今日点名 ${date}`, el("p", {class: "muted", text: rc.period ? String(rc.period.name || rc.period) : ""}), list);
}

function labelOf(result) {
  return {present: "在控", absent: "不在控", unreachable: "联系不上"}[result] || result;
}

function renderAccount() {
  screen("账户",
    el("dl", {class: "facts"}, row("账户", S.state.username), row("数据包到期", shown(S.lock.expires_at))),
    el("button", {type: "button", class: "primary", onclick: download, text: "重新下载离线数据包"}),
    el("button", {type: "button", class: "danger", id: "logout", onclick: async () => {
      if (waiting() && !window.confirm(`还有 ${waiting()} 条未同步，退出将一并清除。确定退出？`)) return;
      await logout();
    }, text: "退出并清除本机数据"}));
}

// --- start --------------------------------------------------------------------------------------------
document.getElementById("tabs").addEventListener("click", (event) => {
  const tab = event.target.closest("[data-tab]");
  if (tab) {
    notice("");
    show(tab.dataset.tab);
    if (tab.dataset.tab === "queue") refreshOutcomes();
  }
});
window.addEventListener("online", status);
window.addEventListener("offline", status);
setInterval(() => { expiredWipe(); }, 60000);

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(shell.sw, {scope: shell.shell}).catch(() => {});
  }
  S.lock = (await store.getMeta("lock")) || null;
  if (await expiredWipe()) return;
  render();
  document.body.dataset.ready = "1";
}

start();
