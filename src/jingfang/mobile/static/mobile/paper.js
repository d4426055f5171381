// The short code of a paper follow-up form: the JavaScript copy of offline/paper_code.py (the same
// alphabet, check character and words; mobile/tests/test_paper_parity.py runs both on the same cases).
// The phone checks a typed or scanned code before looking it up, offline included.
export const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXY";
const BASE = ALPHABET.length;  // 31, prime
export const LENGTH = 10;
const QR_PREFIX = "JF:";

export const BAD_LENGTH = `编号应为${LENGTH}位（数字2–9和字母，不含I、O、Z），请核对`;
export const BAD_CHARACTER = "编号只含数字2–9和字母（不含I、O、Z），请核对";
export const BAD_CHECK = "编号有误：请逐位核对（最后一位是校验位）";
export const NOT_OURS = "这不是本系统随访表上的二维码";

/** Upper case, no spaces or hyphens, full-width folded; a scanned "JF:" dropped. */
export function normalize(text) {
  let value = String(text ?? "").normalize("NFKC").trim().toUpperCase();
  if (value.startsWith(QR_PREFIX)) value = value.slice(QR_PREFIX.length);
  return [...value].filter((c) => !" -_\t".includes(c)).join("");
}

/** null for a well-formed code, else what is wrong with it, in words. */
export function problem(text) {
  const code = normalize(text);
  if ([...code].length !== LENGTH) return BAD_LENGTH;
  if ([...code].some((c) => !ALPHABET.includes(c))) return BAD_CHARACTER;
  let total = 0;
  [...code].forEach((c, i) => { total += (i + 1) * ALPHABET.indexOf(c); });
  return total % BASE ? BAD_CHECK : null;
}

export function shown(code) {
  const value = normalize(code);
  return `${value.slice(0, 5)}-${value.slice(5)}`;
}

/** The code a scanned QR code carries, or null when it is not one of ours. */
export function fromScan(text) {
  const raw = String(text ?? "").normalize("NFKC").trim().toUpperCase();
  if (!raw.startsWith(QR_PREFIX)) return null;
  const code = normalize(raw);
  return problem(code) === null ? code : null;
}
