/* The shop floor's service worker, served at /floor/sw.js (production.floor.queue) so its scope
 * is /floor/. The server fills in __VERSION__ and __SHELL__ (the static files, hashed names).
 *
 * What it keeps:
 *  - the shell (style, script, icons, the offline page): at install, served from the cache;
 *  - every floor page opened online (a queue, a job card): network first, the saved copy when
 *    the network is gone; the pages' previews (images under /media/) likewise;
 *  - today's job cards of a queue the tablet shows, fetched ahead (a "keep" message from
 *    floor.js), with their previews, so a card never opened online is still readable.
 * What it refuses: any action (a POST) without the network answers 503 "You are offline: ...";
 * nothing is stored to replay later. Logging out clears the saved pages.
 */
"use strict";

const VERSION = "__VERSION__";
const SHELL_CACHE = "floor-shell-" + VERSION;
const PAGES_CACHE = "floor-pages";
const OFFLINE_PAGE = "/floor/offline/";
const SHELL = [__SHELL__, OFFLINE_PAGE];
const OFFLINE_ACTION =
  "You are offline: this action was not saved. Nothing is kept to send later; " +
  "do it again when the network is back.";
const PREVIEW = /<img[^>]+src="(\/media\/[^"]+)"/g;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("floor-shell-") && name !== SHELL_CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

function keepable(response) {
  return response && response.ok && response.status === 200 && !response.redirected;
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    if (keepable(response)) {
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const saved = await cache.match(request);
    if (saved) {
      return saved;
    }
    if (request.mode === "navigate") {
      return (await caches.match(OFFLINE_PAGE)) || Response.error();
    }
    throw error;
  }
}

async function cacheFirst(request, cacheName) {
  const saved = await caches.match(request);
  if (saved) {
    return saved;
  }
  const response = await fetch(request);
  if (keepable(response)) {
    const cache = await caches.open(cacheName);
    cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method !== "GET") {
    event.respondWith(
      fetch(request).catch(
        () =>
          new Response(OFFLINE_ACTION, {
            status: 503,
            headers: { "Content-Type": "text/plain; charset=utf-8" },
          })
      )
    );
    return;
  }
  if (url.pathname === "/floor/sw.js" || request.headers.get("HX-Request")) {
    return; // the worker itself, and htmx's polls: always the network
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, SHELL_CACHE));
  } else if (url.pathname.startsWith("/media/") && request.destination === "image") {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/floor/")) {
    event.respondWith(networkFirst(request));
  }
});

async function keep(url, { fresh }) {
  const cache = await caches.open(PAGES_CACHE);
  if (!fresh && (await cache.match(url))) {
    return;
  }
  const response = await fetch(url, { credentials: "same-origin" });
  if (!keepable(response)) {
    return;
  }
  const html = await response.clone().text();
  await cache.put(url, response);
  for (const match of html.matchAll(PREVIEW)) {
    const image = match[1].replace(/&amp;/g, "&");
    if (!(await cache.match(image))) {
      const picture = await fetch(image, { credentials: "same-origin" });
      if (keepable(picture)) {
        await cache.put(image, picture);
      }
    }
  }
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "clear") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  } else if (message.type === "keep") {
    const work = async () => {
      if (message.page) {
        await keep(message.page, { fresh: true }).catch(() => {});
      }
      for (const url of message.urls || []) {
        await keep(url, { fresh: false }).catch(() => {});
      }
    };
    event.waitUntil(work());
  }
});
