// The offline key: PBKDF2 over the 6-digit PIN with a random salt, and AES-GCM with a random IV per
// record. The key never leaves memory (non-extractable) and is gone when the page closes.
export const PBKDF2_ITERATIONS = 310000;
const enc = new TextEncoder();
const dec = new TextDecoder();

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

export async function deriveKey(pin, salt, iterations = PBKDF2_ITERATIONS) {
  const material = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {name: "PBKDF2", hash: "SHA-256", salt, iterations},
    material, {name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]);
}

export async function seal(key, value) {
  const iv = randomBytes(12);
  const data = await crypto.subtle.encrypt({name: "AES-GCM", iv}, key, enc.encode(JSON.stringify(value)));
  return {iv, data: new Uint8Array(data)};
}

export async function open(key, box) {
  const plain = await crypto.subtle.decrypt({name: "AES-GCM", iv: box.iv}, key, box.data);
  return JSON.parse(dec.decode(plain));
}
