// In-browser measurements for `cargo xtask bench` (issue 2, section 5). Prints plain lines and
// never asserts: a measurement that cannot be taken prints "n/a (why)" and the rest go on.
//
//   PIPELAB_DIST=../dist node bench/browser.mjs
//
// Env: PIPELAB_DIST (built site, default ../dist), CHROMIUM (default /usr/bin/chromium),
//      PIPELAB_BENCH_JSON (optional path: also write every figure as JSON, e.g. for the
//      wasm/native ratio), PIPELAB_BENCH_PLAY_MS (autoplay duration, default 10000).
//
// Measured:
//   - navigation → performance.mark("pipelab:interactive"), median of 5 cold loads, for home and
//     every built simulation page (discovered from home's built cards);
//   - 10 s of autoplay at speed max on /sharding?events=1000000: longest task (PerformanceObserver
//     'longtask') and requestAnimationFrame gaps (max, p99), and from a Chrome trace each
//     main-thread task's wall and CPU (thread) time: on a 2-core machine a task's wall time
//     includes waiting for a core, so both are printed;
//   - the seek bar on that 1,000,000-step run: a real 50-move drag of its thumb (each `input`
//     event timed from its pointer event until its handler and queued updates are done, plus
//     long tasks and traced task times while dragging), then 50 scripted seeks back across the range, each timed
//     until `step` shows the target (checked every frame);
//   - wasm memory after building such a run and going to its end;
//   - the same autoplay, seek and memory figures for every pattern page and every compare
//     view (both designs of a compare view run the million steps);
//   - at the end, one table of every page's figures beside their targets (first render
//     ≤ 200 ms, no task over 50 ms, memory ≤ 256 MiB): printed, never failing;
//   - the wasm kernel: wasmBindings.kernel_checksum(1000000) → events/s.

import { writeFileSync } from 'node:fs';
import {
  Lab, median, quantile, readCards, setup, tid,
} from '../e2e/harness.mjs';

const LOADS = 5;
const BIG_EVENTS = 1_000_000;
const PLAY_MS = Number(process.env.PIPELAB_BENCH_PLAY_MS) || 10_000;
const SEEK_EVENTS = 50;
const BIG_RUN = `/sharding?v=1&events=${BIG_EVENTS}`;
/** Every page with a million-event run: [route with query, root hook, results suffix]. */
const BIG_RUNS = [
  [BIG_RUN, 'page-sharding', ''],
  [`/kappa?v=1&events=${BIG_EVENTS}`, 'page-kappa', ' /kappa'],
  [`/lambda?v=1&events=${BIG_EVENTS}`, 'page-lambda', ' /lambda'],
  // One command per step; long orders so the snapshot store has work to do.
  [`/event-sourcing?v=1&commands=${BIG_EVENTS}&items=40`, 'page-event-sourcing', ' /event-sourcing'],
  [`/cqrs?v=1&commands=${BIG_EVENTS}`, 'page-cqrs', ' /cqrs'],
  [`/batch-writes?v=1&rows=${BIG_EVENTS}`, 'page-batch-writes', ' /batch-writes'],
  // One night of a million-row extract (by category, then by 1,000 customers): the ELT
  // transform runs at its end.
  [`/etl-elt?v=1&rows=${BIG_EVENTS}&runs=1&chunk=1000`, 'page-etl-elt', ' /etl-elt'],
  [`/etl-elt?v=1&rows=${BIG_EVENTS}&runs=1&chunk=1000&group=user&users=1000`, 'page-etl-elt', ' /etl-elt by customer'],
  // The default settings: 100,000 bronze files, 33,334 pipeline runs.
  [`/lakehouse?v=1&rows=${BIG_EVENTS}`, 'page-lakehouse', ' /lakehouse'],
  [`/partitioning?v=1&rows=${BIG_EVENTS}`, 'page-partitioning', ' /partitioning'],
  [`/caching?v=1&requests=${BIG_EVENTS}`, 'page-caching', ' /caching'],
  [`/cdc?v=1&changes=${BIG_EVENTS}`, 'page-cdc', ' /cdc'],
  [`/contracts?v=1&records=${BIG_EVENTS}`, 'page-contracts', ' /contracts'],
  // The compare views run both designs on the same workload: two million-step runs.
  [`/compare/etl-vs-elt?v=1&rows=${BIG_EVENTS}&runs=1`, 'page-compare-etl-vs-elt', ' /compare/etl-vs-elt'],
  [`/compare/lambda-vs-kappa?v=1&events=${BIG_EVENTS}`, 'page-compare-lambda-vs-kappa', ' /compare/lambda-vs-kappa'],
  [`/compare/modn-vs-ring?v=1&events=${BIG_EVENTS}`, 'page-compare-modn-vs-ring', ' /compare/modn-vs-ring'],
  [`/compare/hash-vs-range?v=1&rows=${BIG_EVENTS}`, 'page-compare-hash-vs-range', ' /compare/hash-vs-range'],
  [`/compare/invalidate-vs-write-through?v=1&requests=${BIG_EVENTS}`, 'page-compare-invalidate-vs-write-through', ' /compare/invalidate-vs-write-through'],
];
/** The targets the summary prints each figure beside (issue 10); none of them fails the bench. */
const TARGETS = { first_render_ms: 200, task_ms: 50, memory_mib: 256 };
const WAIT_BIG_MS = 120_000;

const results = {};
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const out = (line) => console.log(`browser: ${line}`);

/** Runs one measurement; a failure prints n/a with the reason instead of stopping the bench. */
async function measure(label, fn) {
  try {
    await fn();
  } catch (e) {
    out(`${label}: n/a (${String(e?.message ?? e).split('\n')[0]})`);
    results[label] = { error: String(e?.message ?? e) };
  }
}

/** Installed before any page script: long tasks, frame gaps and the wasm instance's memory. */
function perfProbe() {
  const probe = { longtasks: [], gaps: [], recording: false, since: 0, wasm: null };
  window.__pipelabBench = probe;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    probe.longtaskUnsupported = true;
  }
  // Trunk's loader announces the instantiated module (its exports include `memory`).
  addEventListener('TrunkApplicationStarted', (e) => {
    probe.wasm = e.detail?.wasm ?? null;
  });
  probe.start = () => {
    probe.gaps = [];
    probe.recording = true;
    probe.since = performance.now();
    let last = performance.now();
    const frame = (t) => {
      if (!probe.recording) return;
      probe.gaps.push(t - last);
      last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  probe.stop = () => {
    probe.recording = false;
    return {
      gaps: probe.gaps,
      longtasks: probe.longtasks.filter((t) => t.start >= probe.since).map((t) => t.duration),
      longtaskUnsupported: !!probe.longtaskUnsupported,
    };
  };
}

/** A fresh instrumented context + page; requests are observed, not intercepted (no overhead). */
async function withLab(env, fn) {
  const lab = await Lab.create(env.browser, env.origin, { route: false, initScripts: [perfProbe] });
  try {
    return await fn(lab);
  } finally {
    if (lab.blocked.length) out(`note: off-origin requests: ${lab.blocked.join(', ')}`);
    if (lab.problems.length) out(`note: console/page problems: ${lab.problems.slice(0, 3).join(' | ')}`);
    await lab.close();
  }
}

/** The built simulation pages, from home's built cards. */
async function discover(env) {
  return withLab(env, async (lab) => {
    await lab.open('/', 'page-home');
    return (await readCards(lab)).filter((c) => c.built === 'true' && c.kind !== 'quiz');
  });
}

/** navigation → pipelab:interactive, median of LOADS fresh-context loads. */
async function navToInteractive(env, route, root) {
  const times = [];
  for (let i = 0; i < LOADS; i++) {
    await withLab(env, async (lab) => {
      await lab.open(route, root);
      const t = await lab.page.evaluate(
        () => performance.getEntriesByName('pipelab:interactive', 'mark')[0]?.startTime ?? null,
      );
      if (t === null) throw new Error('no performance mark "pipelab:interactive"');
      times.push(t);
    });
  }
  const m = median(times);
  out(`nav→interactive ${route}: median ${fmt(m)} ms (${times.map((t) => fmt(t)).join(', ')})`);
  results[`nav ${route}`] = { median_ms: m, loads_ms: times };
}

/** Opens the 1,000,000-step run and waits until it is built (step-total known). */
async function openBigRun(lab, run = BIG_RUN, root = 'page-sharding') {
  await lab.open(run, root);
  const total = await lab.until(() => lab.int('step-total'), (n) => n > 0, 'step-total', WAIT_BIG_MS);
  if (await lab.has('url-error')) out(`note: url-error on ${run}: ${await lab.text('url-error')}`);
  return total;
}

/**
 * The renderer main thread's tasks in a Chrome trace: wall duration (what a long task is) and
 * thread time (the CPU the task used; on a machine with fewer cores than Chromium has busy
 * threads, a task's wall time also counts the time the thread waited to be scheduled).
 */
function mainThreadTasks(traceBuffer) {
  const parsed = JSON.parse(traceBuffer.toString('utf8'));
  const events = parsed.traceEvents ?? parsed;
  const mains = new Set(
    events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  // RunTask and ThreadControllerImpl::RunTask nest: keep only the outermost of each task.
  const all = events
    .filter((e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask'))
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const t0 = all.length ? all[0].ts : 0;
  const out = [];
  const ends = new Map();
  for (const e of all) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ts < (ends.get(thread) ?? -Infinity)) continue;
    ends.set(thread, e.ts + e.dur);
    out.push({ wall: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000, at: (e.ts - t0) / 1000 });
  }
  return out;
}

const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'];

/** One line about traced tasks: longest by wall and by CPU, and what the slow ones used. */
function taskSummary(tasks) {
  const slow = tasks.filter((t) => t.wall > 50);
  return `Chrome trace of ${tasks.length} main-thread tasks: longest wall ${fmt(Math.max(0, ...tasks.map((t) => t.wall)))} ms, ` +
    `longest CPU ${fmt(Math.max(0, ...tasks.map((t) => t.cpu)))} ms, ${tasks.filter((t) => t.cpu > 50).length} over 50 ms of CPU` +
    `${slow.length ? `; the tasks over 50 ms wall used ${slow.map((t) => `${fmt(t.cpu)}/${fmt(t.wall)} ms CPU/wall at ${fmt(t.at / 1000, 2)} s`).join(', ')}` : ''}`;
}

async function autoplay(env, [run, root, suffix] = BIG_RUNS[0]) {
  await withLab(env, async (lab) => {
    const total = await openBigRun(lab, run, root);
    await lab.set('speed', 'max', ['input', 'change']);
    await lab.blur();
    const step0 = await lab.int('step');
    await lab.page.evaluate(() => window.__pipelabBench.start());
    await env.browser.startTracing(lab.page, { categories: TRACE_CATEGORIES });
    await lab.click('play');
    await lab.page.waitForTimeout(PLAY_MS);
    const r = await lab.page.evaluate(() => window.__pipelabBench.stop());
    const tasks = mainThreadTasks(await env.browser.stopTracing());
    if ((await lab.attr('play', 'aria-pressed')) === 'true') await lab.click('play');
    const steps = (await lab.int('step')) - step0;
    const longest = r.longtasks.length ? Math.max(...r.longtasks) : 0;
    const over50 = r.longtasks.filter((d) => d > 50).length;
    out(
      `autoplay max ${PLAY_MS / 1000}s on ${total}-step run${suffix}: ${steps} steps (${fmt(steps / (PLAY_MS / 1000), 0)} steps/s); ` +
        `${steps + step0 >= total ? '(reached the end before the time was up) ' : ''}` +
        `longest task ${r.longtaskUnsupported ? 'n/a (longtask unsupported)'
          : r.longtasks.length ? `${fmt(longest)} ms (${r.longtasks.length} long tasks, ${over50} over 50 ms)`
          : 'under 50 ms (no long task reported)'}; ` +
        `frame gap max ${fmt(Math.max(...r.gaps))} ms, p99 ${fmt(quantile(r.gaps, 0.99))} ms, ` +
        `median ${fmt(median(r.gaps))} ms over ${r.gaps.length} frames`,
    );
    const cpuMax = Math.max(0, ...tasks.map((t) => t.cpu));
    const wallMax = Math.max(0, ...tasks.map((t) => t.wall));
    out(`autoplay${suffix} main-thread tasks: ${taskSummary(tasks)}`);
    results[`autoplay${suffix}`] = {
      total_steps: total, steps, play_ms: PLAY_MS, longest_task_ms: longest, long_tasks: r.longtasks.length,
      frame_gap_max_ms: Math.max(...r.gaps), frame_gap_p99_ms: quantile(r.gaps, 0.99), frames: r.gaps.length,
      trace_longest_task_wall_ms: wallMax, trace_longest_task_cpu_ms: cpuMax,
    };
  });
}

/**
 * A real drag of the seek bar's thumb (trusted pointer events, as a user's mouse sends them):
 * for each `input` event, the time from the pointer event that caused it until the handler
 * and the reactive updates it queued (microtasks) are done — input delay plus processing —
 * and every long task while dragging. Event Timing does not report a range input's `input`
 * events, so they are stamped by listeners installed before the drag.
 */
async function dragSeekBar(env, lab, total, suffix = '') {
  await lab.page.evaluate(() => {
    const probe = { handled: [], delay: [], longtasks: [], pointerAt: null };
    window.__pipelabDrag = probe;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) probe.longtasks.push(e.duration);
    }).observe({ type: 'longtask' });
    const stamp = (e) => { probe.pointerAt = e.timeStamp; };
    window.addEventListener('pointerdown', stamp, true);
    window.addEventListener('pointermove', stamp, true);
    window.addEventListener('input', (e) => { e.pipelabStart = performance.now(); }, true);
    window.addEventListener('input', (e) => {
      const from = probe.pointerAt ?? e.timeStamp;
      const start = e.pipelabStart;
      // Queued after the page's own handler: runs once the effects it scheduled have run.
      queueMicrotask(() => queueMicrotask(() => queueMicrotask(() => {
        probe.handled.push(performance.now() - from);
        probe.delay.push(start - from);
      })));
    });
  });
  const box = await lab.page.locator(tid('seek')).boundingBox();
  if (!box) throw new Error('the seek bar is not visible');
  const y = box.y + box.height / 2;
  await lab.page.mouse.move(box.x + 2, y);
  await env.browser.startTracing(lab.page, { categories: TRACE_CATEGORIES });
  await lab.page.mouse.down();
  for (let i = 1; i <= SEEK_EVENTS; i++) {
    await lab.page.mouse.move(box.x + 2 + ((box.width - 4) * i) / SEEK_EVENTS, y);
  }
  await lab.page.mouse.up();
  await lab.page.waitForTimeout(300);
  const tasks = mainThreadTasks(await env.browser.stopTracing());
  const r = await lab.page.evaluate(() => window.__pipelabDrag);
  if (!r.handled.length) throw new Error('the drag sent no input event');
  const over50 = r.longtasks.filter((d) => d > 50).length;
  out(
    `seek-bar drag on ${total}-step run${suffix} (${r.handled.length} input events): handled max ${fmt(Math.max(...r.handled))} ms, ` +
      `median ${fmt(median(r.handled))} ms (input delay max ${fmt(Math.max(...r.delay))} ms); ` +
      `long tasks while dragging: ${r.longtasks.length ? `${r.longtasks.length}, longest ${fmt(Math.max(...r.longtasks))} ms, ${over50} over 50 ms` : 'none'}; ` +
      `${taskSummary(tasks)}`,
  );
  results[`drag${suffix}`] = {
    total_steps: total, events: r.handled.length, handled_max_ms: Math.max(...r.handled),
    handled_median_ms: median(r.handled), input_delay_max_ms: Math.max(...r.delay),
    long_tasks: r.longtasks.length, longest_task_ms: r.longtasks.length ? Math.max(...r.longtasks) : 0,
  };
}

async function seekAndMemory(env, [run, root, suffix] = BIG_RUNS[0]) {
  await withLab(env, async (lab) => {
    const total = await openBigRun(lab, run, root);
    await dragSeekBar(env, lab, total, suffix);
    // 50 input events across the range, each timed until the step display shows the target
    // (or 5 s), checking once per frame: how long a seek takes to reach the screen.
    const r = await lab.page.evaluate(
      async ([sel, stepSel, total, n]) => {
        const seek = document.querySelector(sel);
        const stepEl = document.querySelector(stepSel);
        const nextFrame = () => new Promise((res) => requestAnimationFrame(() => res()));
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
        const shown = [];
        const firstFrame = [];
        let mismatches = 0;
        for (let i = n; i >= 1; i--) {
          const target = Math.round((total * (i - 1)) / n);
          const t0 = performance.now();
          setValue.call(seek, String(target));
          seek.dispatchEvent(new Event('input', { bubbles: true }));
          await nextFrame();
          firstFrame.push(performance.now() - t0);
          while (stepEl.textContent.trim() !== String(target) && performance.now() - t0 < 5000) await nextFrame();
          if (stepEl.textContent.trim() !== String(target)) mismatches++;
          shown.push(performance.now() - t0);
        }
        return { shown, firstFrame, mismatches };
      },
      [tid('seek'), tid('step'), total, SEEK_EVENTS],
    );
    out(
      `seek input on ${total}-step run${suffix} (${SEEK_EVENTS} events): until shown max ${fmt(Math.max(...r.shown))} ms, ` +
        `median ${fmt(median(r.shown))} ms; to next frame max ${fmt(Math.max(...r.firstFrame))} ms, ` +
        `median ${fmt(median(r.firstFrame))} ms${r.mismatches ? `; ${r.mismatches} never showed the target` : ''}`,
    );
    results[`seek${suffix}`] = {
      total_steps: total, events: SEEK_EVENTS, shown_max_ms: Math.max(...r.shown), shown_median_ms: median(r.shown),
      frame_max_ms: Math.max(...r.firstFrame), frame_median_ms: median(r.firstFrame), mismatches: r.mismatches,
    };

    // Memory after going to the end of the run.
    await lab.click('to-end');
    await lab.waitStep(total, WAIT_BIG_MS);
    const mem = await lab.page.evaluate(async () => {
      const b = window.wasmBindings;
      if (typeof b?.wasm_memory_bytes === 'function') {
        return { bytes: Number(b.wasm_memory_bytes()), via: 'wasm_memory_bytes()' };
      }
      const buf = window.__pipelabBench?.wasm?.memory?.buffer;
      if (buf) return { bytes: buf.byteLength, via: 'the instance memory buffer' };
      if (typeof performance.measureUserAgentSpecificMemory === 'function' && self.crossOriginIsolated) {
        const m = await performance.measureUserAgentSpecificMemory();
        return { bytes: m.bytes, via: 'measureUserAgentSpecificMemory (whole page)' };
      }
      return { bytes: null, via: 'n/a' };
    });
    const cdp = await lab.context.newCDPSession(lab.page);
    const heap = await cdp
      .send('Runtime.evaluate', { expression: 'performance.memory.usedJSHeapSize', returnByValue: true })
      .then((r) => r.result?.value ?? null)
      .catch(() => null);
    await cdp.detach().catch(() => {});
    const mib = (b) => (b === null || b === undefined ? 'n/a' : `${fmt(b / 1048576)} MiB`);
    out(`memory at the end of a ${total}-step run${suffix}: wasm ${mib(mem.bytes)} (via ${mem.via}); JS heap ${mib(heap)}`);
    results[`memory${suffix}`] = { total_steps: total, wasm_bytes: mem.bytes, wasm_via: mem.via, js_heap_bytes: heap };
  });
}

/** The ELT transform (issue 6): a million staged raw rows grouped by customer, timed alone. */
async function eltTransform(env) {
  await withLab(env, async (lab) => {
    await lab.open('/', 'page-home');
    const r = await lab.page.evaluate(async (n) => {
      const b = window.wasmBindings;
      if (typeof b?.elt_stage !== 'function') throw new Error('window.wasmBindings.elt_stage is not exported');
      const staged = b.elt_stage(n);
      const runs = [];
      let checksum;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        checksum = b.elt_transform_checksum();
        runs.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 0));
      }
      return { staged, runs, checksum: String(checksum) };
    }, BIG_EVENTS);
    const best = Math.min(...r.runs);
    const med = median(r.runs);
    out(
      `ELT transform (${r.staged} staged raw rows of a ${BIG_EVENTS}-order extract: parse, one row per order, SUM and COUNT by customer): ` +
        `best ${fmt(best)} ms, median ${fmt(med)} ms of ${r.runs.map((x) => fmt(x)).join(', ')} (checksum ${r.checksum})`,
    );
    results.elt_transform = { rows: r.staged, best_ms: best, median_ms: med, runs_ms: r.runs, checksum: r.checksum };
  });
}

async function kernel(env) {
  await withLab(env, async (lab) => {
    await lab.open('/', 'page-home');
    const r = await lab.page.evaluate(async (n) => {
      const f = window.wasmBindings?.kernel_checksum;
      if (typeof f !== 'function') throw new Error('window.wasmBindings.kernel_checksum is not exported');
      const runs = [];
      let checksum;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        checksum = f(n);
        runs.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 0));
      }
      return { runs, checksum: String(checksum) };
    }, BIG_EVENTS);
    const best = Math.min(...r.runs);
    const eps = BIG_EVENTS / (best / 1000);
    out(
      `wasm kernel kernel_checksum(${BIG_EVENTS}): best ${fmt(best)} ms of ${r.runs.map((x) => fmt(x)).join(', ')} ` +
        `→ ${fmt(eps, 0)} events/s (checksum ${r.checksum})`,
    );
    results.kernel = { events: BIG_EVENTS, best_ms: best, runs_ms: r.runs, events_per_s: eps, checksum: r.checksum };
  });
}

/**
 * One table of every page's budgets: navigation → interactive, the longest task and frame gap
 * while autoplaying at max, the wasm memory at the end of a million-step run — each beside its
 * target, marked ok or OVER. Printed only: speed never fails a build (only the size does).
 */
function budgetSummary(built) {
  const mark = (x, target) => (Number.isFinite(x) ? (x <= target ? 'ok' : 'OVER') : '');
  const cell = (x, target, unit, digits = 1) => (Number.isFinite(x) ? `${fmt(x, digits)} ${unit} ${mark(x, target)}` : 'n/a');
  const rows = [];
  const pages = [
    { route: '/', root: 'page-home' }, { route: '/quiz', root: 'page-quiz' },
    ...built.map((p) => ({ route: p.route, root: p.root })),
  ];
  for (const { route, root } of pages) {
    const nav = results[`nav ${route}`]?.median_ms;
    const runs = BIG_RUNS.filter((b) => b[1] === root);
    if (!runs.length) {
      rows.push([route, cell(nav, TARGETS.first_render_ms, 'ms'), '(no run)', '', '(no run)']);
      continue;
    }
    for (const [, , suffix] of runs) {
      const play = results[`autoplay${suffix}`];
      const mem = results[`memory${suffix}`];
      const longest = play && !play.error ? Math.max(play.longest_task_ms, 0) : NaN;
      rows.push([
        suffix.trim() || route,
        cell(nav, TARGETS.first_render_ms, 'ms'),
        play && !play.error ? (play.long_tasks ? cell(longest, TARGETS.task_ms, 'ms') : `under 50 ms ok`) : 'n/a',
        play && !play.error ? `${fmt(play.frame_gap_max_ms)} ms (p99 ${fmt(play.frame_gap_p99_ms)})` : 'n/a',
        mem && !mem.error && mem.wasm_bytes ? cell(mem.wasm_bytes / 1048576, TARGETS.memory_mib, 'MiB') : 'n/a',
      ]);
    }
  }
  const head = [
    'page', `nav→interactive (≤ ${TARGETS.first_render_ms} ms)`, `longest task, autoplay max (≤ ${TARGETS.task_ms} ms)`,
    'frame gap max', `wasm memory after 1,000,000 steps (≤ ${TARGETS.memory_mib} MiB)`,
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ').trimEnd();
  out('budgets (printed beside their targets; only the size budget fails a build):');
  out(line(head));
  out(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) out(line(r));
  results.budgets = { targets: TARGETS, rows: rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]]))) };
}

async function main() {
  let env;
  try {
    env = await setup();
  } catch (e) {
    console.error(`browser bench: cannot start: ${e.message}`);
    process.exit(1);
  }
  try {
    let built = [];
    await measure('discover', async () => {
      built = await discover(env);
      out(`built simulation pages: ${built.map((p) => p.route).join(', ') || 'none'}`);
    });
    // PIPELAB_BENCH_ONLY=/kappa,range measures only the pages and big runs whose route
    // contains one of these.
    const only = (process.env.PIPELAB_BENCH_ONLY ?? '').split(',').filter(Boolean);
    const picked = (route) => !only.length || only.some((o) => route.includes(o));
    if (picked('/')) await measure('nav /', () => navToInteractive(env, '/', 'page-home'));
    // The quiz reads the bank and simulates its generated questions before it is interactive.
    if (picked('/quiz')) await measure('nav /quiz', () => navToInteractive(env, '/quiz', 'page-quiz'));
    for (const p of built.filter((p) => picked(p.route))) {
      await measure(`nav ${p.route}`, () => navToInteractive(env, p.route, p.root));
    }
    for (const big of BIG_RUNS.filter((b) => picked(b[0]))) {
      await measure(`autoplay${big[2]}`, () => autoplay(env, big));
      await measure(`seek+memory${big[2]}`, () => seekAndMemory(env, big));
    }
    await measure('kernel', () => kernel(env));
    await measure('elt_transform', () => eltTransform(env));
    budgetSummary(built);
  } finally {
    await env.close();
  }
  if (process.env.PIPELAB_BENCH_JSON) {
    writeFileSync(process.env.PIPELAB_BENCH_JSON, JSON.stringify(results, null, 2) + '\n');
  }
}

await main();
