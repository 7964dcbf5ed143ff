// Added to dist/index.html by `cargo xtask build` (xtask/src/offline.rs), so only a release
// build, which has dist/sw.js, registers the service worker. A newer build waiting to take
// over is announced to the app ("pipelab:update"), which offers Reload and answers with
// "pipelab:apply-update"; the page reloads once the new worker has taken over.
if ('serviceWorker' in navigator) addEventListener('load', function () {
  var sw = navigator.serviceWorker, reloading = false;
  function waiting(w) { window.__pipelabUpdate = w; dispatchEvent(new Event('pipelab:update')); }
  sw.register('/sw.js').then(function (reg) {
    if (!reg) return;
    if (reg.waiting && sw.controller) waiting(reg.waiting);
    reg.addEventListener('updatefound', function () {
      var w = reg.installing;
      if (w) w.addEventListener('statechange', function () {
        if (w.state === 'installed' && sw.controller) waiting(w);
      });
    });
  }, function () {});
  addEventListener('pipelab:apply-update', function () {
    if (window.__pipelabUpdate) window.__pipelabUpdate.postMessage('skip-waiting');
  });
  sw.addEventListener('controllerchange', function () {
    if (window.__pipelabUpdate && !reloading) { reloading = true; location.reload(); }
  });
});
