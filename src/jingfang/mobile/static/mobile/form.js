// The national follow-up form, rendered from the definition the server ships in the package
// ("form": groups, fields, rules) and validated with it: nothing about the form is written here.

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Empty as the server's rules mean it (followups.formrules.empty): None, "", [], {} or false. */
export function isEmpty(value) {
  return value === undefined || value === null || value === "" || value === false ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0);
}

/** Not answered at all (false is an answer, and is sent). */
function blank(value) {
  return value !== false && isEmpty(value);
}

function choiceValues(field) {
  return (field.choices || []).map((c) => (Array.isArray(c) ? c[0] : c));
}

function choiceLabel(choice) {
  return Array.isArray(choice) ? choice[1] : String(choice);
}

// The rule language of followups.formrules, mirrored: holds / derive / check.
export function holds(cond, values) {
  if (!cond) return true;
  if ("all" in cond) return cond.all.every((c) => holds(c, values));
  if ("not" in cond) return !holds(cond.not, values);
  const value = values[cond.field];
  if ("equals" in cond) return value === cond.equals;
  if ("in" in cond) return cond.in.includes(value);
  if ("filled" in cond) return !isEmpty(value) === cond.filled;
  throw new Error(`unknown condition ${JSON.stringify(cond)}`);
}

export function derive(rules, values) {
  const out = {...values};
  for (const rule of rules) {
    if ("derive" in rule && isEmpty(out[rule.derive])) {
      const found = Object.values(out[rule.worst_of] || {}).filter((v) => rule.order.includes(v));
      if (found.length) out[rule.derive] = found.reduce((a, b) => (rule.order.indexOf(b) > rule.order.indexOf(a) ? b : a));
    }
  }
  return out;
}

function format(message, texts) {
  return message.replace(/\{(\w+)\}/g, (whole, name) => (name in texts ? String(texts[name]) : whole));
}

function refDate(ref, values, params, today) {
  if (ref.today) return today;
  const value = "field" in ref ? values[ref.field] : params[ref.param];
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
}

/** [field, message] for every rule the values break ("" for the form as a whole). */
export function check(rules, values, params, today, labels = {}) {
  const problems = [];
  for (const rule of rules) {
    if ("derive" in rule || !holds(rule.if, values)) continue;
    const message = rule.message;
    if ("require" in rule) {
      for (const f of rule.require) if (isEmpty(values[f])) problems.push([f, format(message, params)]);
    } else if ("forbid" in rule) {
      const filled = rule.forbid.filter((f) => !isEmpty(values[f]));
      if (filled.length && rule.as === "") problems.push(["", `${message}：${filled.map((f) => labels[f] || f).join("、")}`]);
      else for (const f of filled) problems.push([f, message]);
    } else if ("not_after" in rule || "not_before" in rule) {
      const name = rule.not_after || rule.not_before;
      const mine = refDate({field: name}, values, params, today);
      const other = refDate(rule.than, values, params, today);
      if (mine && other && ("not_after" in rule ? mine > other : mine < other)) {
        problems.push([name, format(message, params)]);
      }
    } else if ("min_count" in rule) {
      const minimum = params[rule.param];
      const count = Math.max(rule.floor || 0, (values[rule.min_count] || []).length);
      if (minimum !== undefined && minimum !== null && count < minimum) {
        problems.push([rule.min_count, format(message, {...params, min: minimum, count})]);
      }
    } else {
      throw new Error(`unknown rule ${JSON.stringify(rule)}`);
    }
  }
  return problems;
}

function isDate(value) {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && y >= 1;
}

const isInt = (v) => Number.isInteger(v) && typeof v === "number";
const keysOf = (spec) => spec.keys.map((k) => k[0]);

/** One field's type and limits (offline.formdef._field_problem, mirrored: the same words). */
export function fieldProblem(spec, value) {
  if (value === null || value === undefined) return null;
  const values = (spec.choices || []).map((c) => c[0]);
  switch (spec.type) {
    case "date": return isDate(value) ? null : "应为日期（YYYY-MM-DD）";
    case "choice": return values.includes(value) ? null : "取值无效";
    case "bool": return typeof value === "boolean" ? null : "应为是或否";
    case "int":
      if (!isInt(value)) return "应为整数";
      return (spec.min ?? value) <= value && value <= (spec.max ?? value) ? null : "超出范围";
    case "text": return typeof value === "string" && value.length <= spec.max_length ? null : "文字过长或无效";
    case "multi": return Array.isArray(value) && value.every((v) => values.includes(v)) ? null : "取值无效";
    case "list_text":
      return Array.isArray(value) && value.every((v) => typeof v === "string") && value.length <= spec.max_rows
        ? null : "取值无效";
    case "medications": {
      const ok = Array.isArray(value) && value.length <= spec.max_rows && value.every((m) =>
        m && typeof m === "object" && !Array.isArray(m) && Object.keys(m).every((k) => k === "name" || k === "dose") &&
        typeof m.name === "string" && m.name.length <= spec.name_max_length &&
        typeof (m.dose ?? "") === "string" && (m.dose ?? "").length <= spec.dose_max_length);
      return ok ? null : "用药填写无效";
    }
    case "dict_choice":
    case "dict_int": {
      if (!value || typeof value !== "object" || Array.isArray(value) ||
          Object.keys(value).some((k) => !keysOf(spec).includes(k))) return "取值无效";
      if (spec.type === "dict_choice") return Object.values(value).every((v) => values.includes(v)) ? null : "取值无效";
      return Object.values(value).every((v) => isInt(v) && spec.min <= v && v <= spec.max) ? null : "应为0至99的整数";
    }
    default: return "未知类型";
  }
}

/** [field, message] for a body as the phone checks it (offline.formdef.check_fields, mirrored):
 *  unknown fields, each field's type and limits, then the rules. [] means the server will accept it. */
export function checkFields(form, body, params, today) {
  const fields = form.fields;
  const problems = Object.keys(body).filter((k) => !(k in fields)).map((k) => [k, "未知字段"]);
  const values = {};
  for (const [name, spec] of Object.entries(fields)) {
    const value = name in body ? body[name] : spec.default;
    if (spec.required && !(name in body)) {
      problems.push([name, "此项必填"]);
      continue;
    }
    const problem = fieldProblem(spec, value ?? null);
    if (problem) problems.push([name, problem]);
    else values[name] = value ?? null;
  }
  if (problems.length) return problems;
  const labels = Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, f.label || n]));
  return check(form.rules || [], derive(form.rules || [], values), params, today, labels);
}

/** {field: message} (field "__all__": the form as a whole) for the answers as they stand. */
export function validate(form, values, params = {}, today = "") {
  const errors = {};
  for (const [name, message] of checkFields(form, body(form, values), params, today)) {
    const key = name || "__all__";
    if (!(key in errors)) errors[key] = message;
  }
  return errors;
}

/** The body for the server: unanswered fields are left out (the server's defaults apply). */
export function body(form, values) {
  const out = {};
  for (const name of Object.keys(form.fields)) {
    if (!blank(values[name])) out[name] = values[name];
  }
  return out;
}

function label(name, field) {
  return field.label || name;
}

/** Radio buttons; ``blank``: one more, 不填, for an answer that may stay empty. */
function radios(name, options, current, blank = false) {
  const box = el("div", {class: "choices", role: "radiogroup"});
  if (blank) options = [...options, ["", "不填"]];
  if (blank && (current === undefined || current === null)) current = "";
  for (const [value, text] of options) {
    const input = el("input", {type: "radio", name, value: String(value)});
    input.checked = current !== undefined && current !== null && String(current) === String(value);
    box.append(el("label", {class: "choice"}, input, el("span", {text})));
  }
  return box;
}

function control(name, field, value) {
  const blank = !field.required && (field.default === undefined || field.default === null);
  switch (field.type) {
    case "date":
      return el("input", {type: "date", name, value: value || "", min: field.min, max: field.max});
    case "choice":
      return radios(name, (field.choices || []).map((c) => [Array.isArray(c) ? c[0] : c, choiceLabel(c)]), value, blank);
    case "bool":
      return radios(name, [["true", "是"], ["false", "否"]], value === undefined || value === null ? null : String(value),
        blank);
    case "int": {
      if (field.min !== undefined && field.max !== undefined && field.max - field.min <= 10) {
        const options = [];
        for (let i = field.min; i <= field.max; i += 1) options.push([i, String(i)]);
        return radios(name, options, value, blank);
      }
      return el("input", {type: "number", name, inputmode: "numeric", min: field.min, max: field.max,
        value: value ?? ""});
    }
    case "multi": {
      const box = el("div", {class: "choices"});
      for (const choice of field.choices || []) {
        const v = Array.isArray(choice) ? choice[0] : choice;
        const input = el("input", {type: "checkbox", name, value: v});
        input.checked = Array.isArray(value) && value.includes(v);
        box.append(el("label", {class: "choice"}, input, el("span", {text: choiceLabel(choice)})));
      }
      return box;
    }
    case "text":
      if ((field.max_length || 0) > 200) {
        const area = el("textarea", {name, maxlength: field.max_length, rows: 4});
        area.value = value || "";
        return area;
      }
      return el("input", {type: "text", name, maxlength: field.max_length, value: value || ""});
    case "list_text":
      return el("input", {type: "text", name, value: (value || []).join("、"), placeholder: "用顿号分隔"});
    case "medications": {
      const box = el("div", {class: "meds"});
      const rows = field.max_rows || 3;
      for (let i = 0; i < rows; i += 1) {
        const med = (value || [])[i] || {};
        box.append(el("div", {class: "med"},
          el("input", {type: "text", name: `${name}.${i}.name`, placeholder: `药物${i + 1}`, value: med.name || "",
            maxlength: field.name_max_length}),
          el("input", {type: "text", name: `${name}.${i}.dose`, placeholder: "用法用量", value: med.dose || "",
            maxlength: field.dose_max_length})));
      }
      return box;
    }
    case "dict_choice":
    case "dict_int": {
      const box = el("div", {class: "dict"});
      for (const key of field.keys || []) {
        const k = Array.isArray(key) ? key[0] : key;
        const current = (value || {})[k];
        let input;
        if (field.type === "dict_int") {
          input = el("input", {type: "number", name: `${name}.${k}`, min: field.min ?? 0, max: field.max,
            inputmode: "numeric", value: current ?? ""});
        } else {
          input = el("select", {name: `${name}.${k}`}, el("option", {value: "", text: "—"}));
          for (const choice of field.choices || []) {
            const v = Array.isArray(choice) ? choice[0] : choice;
            const option = el("option", {value: v, text: choiceLabel(choice)});
            option.selected = current === v;
            input.append(option);
          }
        }
        box.append(el("label", {class: "dict-row"}, el("span", {text: choiceLabel(key)}), input));
      }
      return box;
    }
    default:
      return null;
  }
}

/** One screen: the group's fields with their current values and messages. */
export function renderGroup(container, form, group, values, errors = {}) {
  container.replaceChildren();
  for (const name of group.fields) {
    const field = form.fields[name];
    if (!field) continue;
    const input = control(name, field, values[name]);
    if (!input) continue;
    const wrap = el("fieldset", {class: "field", "data-field": name},
      el("legend", {text: label(name, field) + (field.required ? " *" : "")}));
    if (field.help) wrap.append(el("p", {class: "help", text: field.help}));
    wrap.append(input);
    if (errors[name]) {
      wrap.classList.add("invalid");
      wrap.append(el("p", {class: "error", role: "alert", text: `${label(name, field)}：${errors[name]}`}));
    }
    container.append(wrap);
  }
}

/** Read the screen's answers back into ``values``. */
export function readGroup(container, form, group, values) {
  for (const name of group.fields) {
    const field = form.fields[name];
    if (!field) continue;
    const q = (sel) => container.querySelector(sel);
    const all = (sel) => [...container.querySelectorAll(sel)];
    const sel = `[name="${name}"]`;
    switch (field.type) {
      case "choice": {
        const picked = q(`${sel}:checked`);
        values[name] = picked && picked.value !== "" ? picked.value : null;
        break;
      }
      case "bool": {
        const picked = q(`${sel}:checked`);
        values[name] = picked && picked.value !== "" ? picked.value === "true" : null;
        break;
      }
      case "int": {
        const picked = q(`input[type=radio]${sel}:checked`);
        const raw = picked ? picked.value : (q(`input[type=number]${sel}`) || {}).value;
        values[name] = raw === undefined || raw === "" ? null : Number(raw);
        break;
      }
      case "multi":
        values[name] = all(`${sel}:checked`).map((i) => i.value);
        break;
      case "list_text": {
        const raw = (q(sel) || {}).value || "";
        values[name] = raw.replace(/[，,]/g, "、").split("、").map((v) => v.trim()).filter(Boolean);
        break;
      }
      case "medications": {
        const rows = [];
        for (let i = 0; i < (field.max_rows || 3); i += 1) {
          const medName = (q(`[name="${name}.${i}.name"]`) || {}).value?.trim() || "";
          const dose = (q(`[name="${name}.${i}.dose"]`) || {}).value?.trim() || "";
          if (medName) rows.push({name: medName, dose});
        }
        values[name] = rows;
        break;
      }
      case "dict_choice":
      case "dict_int": {
        const out = {};
        for (const key of field.keys || []) {
          const k = Array.isArray(key) ? key[0] : key;
          const raw = (q(`[name="${name}.${k}"]`) || {}).value;
          if (raw !== undefined && raw !== "") out[k] = field.type === "dict_int" ? Number(raw) : raw;
        }
        values[name] = out;
        break;
      }
      default: {
        const raw = (q(sel) || {}).value;
        values[name] = raw === undefined || raw === "" ? null : raw;
      }
    }
  }
}
