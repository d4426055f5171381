/* Service worker of the phone app (scope /m/). It keeps ONLY the shell: the page without personal data,
   its scripts, style and icons. It never answers or stores anything under /api/ (those answers hold
   personal data and are no-store): such requests go to the network untouched. */
"use strict";
const VERSION = "__VERSION__";
const CACHE = "jingfang-shell-" + VERSION;
const SHELL = "__SHELL__";
const FILES = __FILES__;

async function fill() {
  const cache = await caches.open(CACHE);
  for (const url of FILES) {
    // The shell page needs the session; a redirect (to the sign-in page) is never kept as the shell.
    const response = await fetch(url, {credentials: "same-origin", redirect: "manual", cache: "no-store"});
    if (!response.ok || response.type === "opaqueredirect" || response.redirected) {
      throw new Error("shell file not available: " + url);
    }
    await cache.put(url, response);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(fill().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("jingfang-shell-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function shellKey(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return null;
  if (url.pathname.startsWith("/api/")) return null;
  if (request.mode === "navigate" && url.pathname === SHELL) return SHELL;
  return FILES.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (key === null) return;  // the network, untouched and unstored
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const kept = await cache.match(key);
    if (kept) return kept;
    return fetch(event.request);
  })());
});
