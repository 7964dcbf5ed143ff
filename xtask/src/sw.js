// pipelab's service worker, written into dist/ by `cargo xtask build` from xtask/src/sw.js.
// After a first visit every file of the site is in the cache, so the app works offline: every
// route is the single-page app, so a navigation gets index.html. A new build changes VERSION;
// the browser installs the new worker beside the running one, the page offers "Reload", and
// the new worker takes over only when the reader says so.
const VERSION = '__PIPELAB_VERSION__';
const FILES = __PIPELAB_FILES__;
const CACHE = `pipelab-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: 'no-cache' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('pipelab-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  if (event.data === 'version') event.source?.postMessage({ version: VERSION });
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const key = request.mode === 'navigate' ? '/index.html' : url.pathname;
  event.respondWith((async () => {
    const hit = await (await caches.open(CACHE)).match(key);
    return hit ?? fetch(request);
  })());
});
