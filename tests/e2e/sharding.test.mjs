// Sharding-specific checks (issue 2, section 4) and the panic path.
//
// Scenarios are set up through URL state (PAGE-CONTRACT.md, "URL"), which doubles as a test of
// decoding. Keys moved when a shard is added: about N/(N+1) under mod-N (0.8 for 4 → 5) and about
// 1/(N+1) under a consistent-hash ring (0.2 for 4 → 5, wider bounds for vnode variance).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup, tid } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-sharding';
const scenario = (scheme, extra = '') =>
  `/sharding?v=1&seed=7&scheme=${scheme}&shards=4&events=2000&step=1500&faults=1000:add-shard${extra}`;

/**
 * Reads the keys-moved readouts and the ground-truth badge in one task, so all of them come
 * from the same render: read one by one, a rebuild between two reads (after a parameter change)
 * can pair a "—" count with the new fraction.
 */
async function readMoved(lab) {
  await lab.loc('moved-fraction').first().waitFor({ state: 'visible' });
  const snap = await lab.page.evaluate((sel) => {
    const text = (s) => (document.querySelector(s)?.textContent ?? '').trim();
    const badge = document.querySelector(sel.badge);
    return {
      countText: text(sel.count),
      fractionText: text(sel.fraction),
      state: badge?.getAttribute('data-state') ?? null,
      truth: badge?.getAttribute('data-truth') ?? null,
      badgeText: (badge?.textContent ?? '').trim(),
    };
  }, { count: tid('moved-count'), fraction: tid('moved-fraction'), badge: tid('truth-keys-moved') });
  return { ...snap, count: parseNumber(snap.countText), fraction: parseNumber(snap.fractionText) };
}

/** Asserts the moved fraction is within [lo, hi] and the badge says correct. */
function assertMoved(m, lo, hi, label) {
  assert.ok(Number.isInteger(m.count) && m.count > 0, `${label}: moved-count ${JSON.stringify(m.countText)}`);
  assert.ok(
    m.fraction >= lo && m.fraction <= hi,
    `${label}: moved fraction ${m.fraction} (${JSON.stringify(m.fractionText)}) not in [${lo}, ${hi}]`,
  );
  assert.equal(m.state, 'correct', `${label}: truth-keys-moved data-state`);
  assert.ok(m.truth === 'final' || m.truth === 'so-far', `${label}: truth-keys-moved data-truth ${m.truth}`);
  assert.match(m.badgeText, /correct/i, `${label}: badge text does not say correct: ${m.badgeText}`);
  assert.match(m.badgeText, /final|so[- ]far/i, `${label}: badge text does not say final / so far: ${m.badgeText}`);
}

/** Picks a preset by option value (or an option's data-testid) in the `preset` select. */
async function choosePreset(lab, name) {
  const value = await lab.loc('preset').first().evaluate((select, name) => {
    const o = [...select.options].find((o) => o.value === name || o.dataset.testid === name);
    return o ? o.value : null;
  }, name);
  assert.ok(value !== null, `no preset option ${name}`);
  await lab.set('preset', value, ['input', 'change']);
}

describe('/sharding', () => {
  test('offers the scheme, sizing and workload parameters and the shard faults', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding', ROOT);
      for (const field of ['scheme', 'shards', 'vnodes', 'users', 'events', 'skew']) {
        assert.equal(await lab.count(`param-${field}`), 1, `${tid(`param-${field}`)} missing`);
      }
      const schemes = await lab.loc('param-scheme').first().evaluate((e) => {
        const s = e.matches('select') ? e : e.querySelector('select');
        return s ? [...s.options].map((o) => o.value) : null;
      });
      assert.ok(schemes, 'param-scheme is not a select');
      for (const s of ['modn', 'ring']) assert.ok(schemes.includes(s), `param-scheme lacks ${s} (${schemes})`);
      for (const f of ['fault-add-shard', 'fault-remove-shard']) assert.equal(await lab.count(f), 1, `${tid(f)} missing`);
    });
  });

  test('ring, 4 shards + 1: a small fraction of keys moves, ground truth agrees', async () => {
    await env.withPage(async (lab) => {
      await lab.open(scenario('ring'), ROOT);
      await lab.assertAbsent('url-error');
      await lab.waitStep(1500);
      assert.equal(await lab.value('param-scheme'), 'ring');
      assert.equal(await lab.page.locator(`${tid('faults')} ${tid('fault-remove')}`).count(), 1, 'one fault entry');
      assert.equal(await lab.count('seek-marker'), 1, 'one seek marker');
      assertMoved(await readMoved(lab), 0.1, 0.35, 'ring 4→5');
    });
  });

  test('mod-N, 4 shards + 1: about 80% of keys move, ground truth agrees', async () => {
    await env.withPage(async (lab) => {
      await lab.open(scenario('modn'), ROOT);
      await lab.waitStep(1500);
      assertMoved(await readMoved(lab), 0.7, 0.9, 'mod-N 4→5');
    });
  });

  test('switching the scheme rebuilds at the same step with the fault kept', async () => {
    await env.withPage(async (lab) => {
      await lab.open(scenario('ring'), ROOT);
      await lab.waitStep(1500);
      const ring = await readMoved(lab);
      await lab.set('param-scheme', 'modn', ['input', 'change']);
      await lab.until(() => readMoved(lab), (m) => m.fraction >= 0.7, 'mod-N fraction after switching');
      await lab.waitStep(1500);
      const m = await readMoved(lab);
      assert.ok(m.fraction > ring.fraction, 'mod-N should move more keys than the ring');
      assertMoved(m, 0.7, 0.9, 'switched to mod-N');
      assert.equal(await lab.page.locator(`${tid('faults')} ${tid('fault-remove')}`).count(), 1, 'fault kept');
    });
  });

  test('a second change while the first rebuild is still seeking keeps the step', async () => {
    // A change rebuilds the run and seeks back to where the user was; far into a long run
    // that seek builds over several frames. A second change in that time must head for the
    // same step, not for the rebuilt run's step 0 (SimCore::rebuild).
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&seed=7&scheme=ring&shards=4&events=300000&step=250000', ROOT);
      await lab.waitStep(250000);
      await lab.setTogether([['param-shards', '5'], ['param-vnodes', '32']]);
      assert.equal(await lab.value('param-shards'), '5');
      assert.equal(await lab.value('param-vnodes'), '32');
      await lab.waitStep(250000);
      assert.match(lab.page.url(), /[?&]step=250000(&|$)/, 'the URL keeps the step');
    });
  });

  test('removing a shard from the UI reports keys moved, ground truth agrees', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&seed=7&scheme=ring&shards=5&events=2000', ROOT);
      await lab.seek(1000);
      await lab.waitStep(1000);
      await lab.click('fault-remove-shard');
      await lab.until(() => lab.count('seek-marker'), (n) => n === 1, 'a seek marker for the fault');
      await lab.seek(1500);
      await lab.waitStep(1500);
      const m = await readMoved(lab);
      // Removing one of 5 ring shards moves that shard's keys: about 1/5.
      assertMoved(m, 0.05, 0.4, 'ring 5→4');
    });
  });

  test('the note-shardmanager preset is mod-N 4 → 5 and moves about 80% of keys', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding', ROOT);
      await choosePreset(lab, 'note-shardmanager');
      await lab.until(() => lab.value('param-scheme'), (v) => v === 'modn', 'preset sets scheme=modn');
      await lab.until(() => lab.value('param-shards'), (v) => v === '4', 'preset sets shards=4');
      await lab.until(
        () => lab.page.locator(`${tid('faults')} ${tid('fault-remove')}`).count(),
        (n) => n >= 1,
        'preset records the add-shard fault',
      );
      const total = await lab.int('step-total');
      await lab.click('to-end');
      await lab.waitStep(total, 60_000);
      assertMoved(await readMoved(lab), 0.7, 0.9, 'note-shardmanager preset');
    });
  });
});

describe('panic', () => {
  test('a panic shows the panic message with "reload" instead of a dead page', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&events=300&step=7', ROOT);
      await lab.assertAbsent('panic', 'panic shown before any panic');
      const hasHook = await lab.page.evaluate(() => typeof window.wasmBindings?.debug_panic === 'function');
      assert.ok(hasHook, 'window.wasmBindings.debug_panic() is not exported');
      // From here on the panic hook logs errors on purpose, and a dead wasm instance may throw
      // from later callbacks: the page's problems no longer count. Off-origin requests still do.
      assert.deepEqual(lab.problems, [], 'problems before the panic');
      lab.allowConsole = [/[\s\S]*/];
      await lab.page.evaluate(() => window.wasmBindings.debug_panic()).catch(() => {});
      const panic = lab.loc('panic').first();
      await panic.waitFor({ state: 'visible' });
      const text = (await panic.innerText()).trim();
      assert.match(text, /reload/i, `panic message does not say reload: ${text}`);
      const hrefs = await panic.evaluate((e) => [...e.querySelectorAll('a[href]')].map((a) => a.href));
      assert.ok(
        text.includes('/sharding') || hrefs.some((h) => h.includes('/sharding')),
        `panic message carries no scenario URL: ${text} ${hrefs}`,
      );
    });
  });
});

describe('reduced motion', () => {
  test('prefers-reduced-motion turns the key marker animation off', async () => {
    const duration = async (reducedMotion) => {
      let d;
      await env.withPage(async (lab) => {
        await lab.page.emulateMedia({ reducedMotion });
        await lab.open('/sharding?v=1&events=300&step=5', ROOT);
        const dot = lab.page.locator('.key-marker circle').first();
        await dot.waitFor({ state: 'attached' });
        d = await dot.evaluate((e) => getComputedStyle(e).transitionDuration);
      });
      return d;
    };
    const moving = await duration('no-preference');
    const still = await duration('reduce');
    assert.notEqual(moving, '0s', `the marker animates by default (transition ${moving})`);
    assert.equal(still, '0s', `with reduced motion the marker must not animate (transition ${still})`);
  });
});

describe('issue 3: four schemes, hot key, queries, questions', () => {
  test('rendezvous and jump move about 1/(N+1) on growth; jump removing a middle shard renumbers the rest', async () => {
    await env.withPage(async (lab) => {
      for (const scheme of ['rendezvous', 'jump']) {
        await lab.open(scenario(scheme), ROOT);
        await lab.waitStep(1500);
        assertMoved(await readMoved(lab), 0.1, 0.32, scheme);
      }
      // Jump hash, 5 shards, shard 1 removed: buckets 1..3 land one shard on and the last bucket is spread over four, so ~3/4 move.
      await lab.open('/sharding?v=1&seed=7&scheme=jump&shards=5&events=2000&step=1000&faults=1000:remove-shard:1', ROOT);
      await lab.waitStep(1000);
      const m = await readMoved(lab);
      assertMoved(m, 0.6, 0.95, 'jump remove shard 1');
      assert.match(await lab.text('narration'), /only knows buckets/);
      // Removing the last shard instead moves only its keys (~1/5).
      await lab.open('/sharding?v=1&seed=7&scheme=jump&shards=5&events=2000&step=1000&faults=1000:remove-shard:4', ROOT);
      await lab.waitStep(1000);
      assertMoved(await readMoved(lab), 0.1, 0.32, 'jump remove the last shard');
    });
  });

  test('each new preset lands on the state it describes', async () => {
    await env.withPage(async (lab) => {
      for (const [name, lo, hi] of [['rendezvous-add-shard', 0.1, 0.32], ['jump-remove-middle', 0.6, 0.95]]) {
        await lab.open('/sharding', ROOT);
        await choosePreset(lab, name);
        await lab.waitStep(1000);
        assertMoved(await readMoved(lab), lo, hi, name);
      }
      await lab.open('/sharding', ROOT);
      await choosePreset(lab, 'hot-key-salted');
      await lab.waitStep(5000);
      assert.equal(await lab.value('param-salt'), '8');
      assert.ok((await lab.int('hot-read-shards')) > 1, 'the salted hot key is read from several shards');
    });
  });

  test('any shard can be removed from the inspect panel; under jump hash a middle one renumbers the rest', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&seed=7&scheme=jump&shards=5&events=2000&step=1000', ROOT);
      await lab.click('shard-1');
      await lab.click('inspect-remove-shard');
      await lab.until(() => lab.page.evaluate(() => location.search), (q) => q.includes('1000:remove-shard:1'), 'the fault with its shard in the URL');
      assertMoved(await readMoved(lab), 0.6, 0.95, 'jump, shard 1 removed from the inspect panel');
      assert.equal(await lab.count('shard-1'), 0, 'shard 1 is gone');
      assert.ok(!(await lab.visible('inspect-remove-shard')), 'no remove button for a shard that no longer exists');
    });
  });

  test('a hot key stays on one shard until salted; salting spreads it and widens its reads', async () => {
    await env.withPage(async (lab) => {
      const base = '/sharding?v=1&seed=3&skew=1.5&events=3000&step=3000';
      await lab.open(base, ROOT);
      await lab.waitStep(3000);
      assert.ok(parseNumber(await lab.text('hot-share')) > 0.2, 'user 1 is hot');
      assert.equal(await lab.int('hot-read-shards'), 1);
      const plain = parseNumber(await lab.text('traffic-imbalance'));
      await lab.open(`${base}&salt=8`, ROOT);
      await lab.waitStep(3000);
      assert.ok((await lab.int('hot-read-shards')) > 1, 'salted reads touch several shards');
      const salted = parseNumber(await lab.text('traffic-imbalance'));
      assert.ok(salted < plain, `orders max/mean ${salted} (salted) vs ${plain}`);
    });
  });

  test('a key query asks one shard, a query without the key asks every shard', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&seed=2&shards=6&events=500&step=10', ROOT);
      assert.equal(await lab.int('query-scatter-shards'), 6);
      assert.equal(await lab.int('query-key-shards'), 1);
      await lab.click('fault-add-shard');
      await lab.click('step-forward');
      await lab.waitStep(11);
      assert.equal(await lab.int('query-scatter-shards'), 7, 'scatter over 7 shards after one was added');
    });
  });

  test('the vnode sweep evens out with more virtual nodes', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&users=5000&shards=8', ROOT);
      // The chart's data table: one row per vnode count, max/mean in the next cell.
      const rows = await lab.page.locator(`${tid('chart-vnode-sweep')} table tbody tr`).evaluateAll((trs) =>
        trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
      const ratios = rows.map((r) => Number(r[1]));
      assert.ok(ratios.length >= 5, `sweep rows ${ratios.length}`);
      assert.ok(ratios.every((r) => r >= 1), `max/mean below 1: ${ratios}`);
      assert.ok(ratios.at(-2) < ratios[0], `200 vnodes ${ratios.at(-2)} vs 1 vnode ${ratios[0]}`);
    });
  });

  test('questions: the predict question is graded from the live run', async () => {
    await env.withPage(async (lab) => {
      // Under the ring, "about 1/(N+1)" is right; under mod-N it is wrong.
      for (const [scheme, correct] of [['ring', 'true'], ['modn', 'false']]) {
        await lab.open(`/sharding?v=1&seed=4&scheme=${scheme}&events=2000&step=1500`, ROOT);
        await lab.page.locator(tid('question-add-now-choice-1')).check();
        await lab.click('question-add-now-check');
        assert.equal(await lab.attr('question-add-now-result', 'data-correct'), correct, scheme);
        assert.match(await lab.text('question-add-now-result'), /would move/);
        // Asking does not change the run.
        assert.equal(await lab.int('step'), 1500);
        await lab.assertAbsent('fault-item', 'checking an answer injected no fault');
      }
      await lab.page.locator(tid('question-scatter-choice-2')).check();
      await lab.click('question-scatter-check');
      assert.equal(await lab.attr('question-scatter-result', 'data-correct'), 'true');
    });
  });
});
