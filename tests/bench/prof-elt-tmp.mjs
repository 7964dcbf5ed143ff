import { setup } from '../e2e/harness.mjs';
const env = await setup();
await env.withPage(async (lab) => {
  await lab.open('/', 'page-home');
  await lab.page.evaluate(() => window.wasmBindings.elt_stage(1000000));
  const cdp = await lab.page.context().newCDPSession(lab.page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const runs = await lab.page.evaluate(async () => { const r = []; for (let i = 0; i < 5; i++) { const t0 = performance.now(); window.wasmBindings.elt_transform_checksum(); r.push(performance.now() - t0); } return r; });
  const { profile } = await cdp.send('Profiler.stop');
  console.log('runs', runs.map((x) => x.toFixed(1)).join(' '));
  const self = new Map(); const dt = profile.timeDeltas; const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => { const n = byId.get(id); const k = n.callFrame.functionName || n.callFrame.url; self.set(k, (self.get(k) || 0) + (dt[i] || 0)); });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), 'ms', (100 * v / total).toFixed(1).padStart(5) + '%', k.slice(0, 140)));
});
await env.close();
