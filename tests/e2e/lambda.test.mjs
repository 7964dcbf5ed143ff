// Lambda-specific checks (issue 4): serving equals the truth so far once a batch run is
// served; the note's UNION ALL double-counts exactly what the batch view covers; a speed-layer
// crash and very late events leave the answers short until a batch run that started after
// them is served.
//
// With the default seed and parameters, batch runs start at steps 376, 747, 1138, 1491,
// 1853 and are served at 433, 801, 1191, 1547, 1918 (a run starts every 60 simulated
// minutes and takes 10).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-lambda';

async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  return {
    state: await b.getAttribute('data-state'),
    truth: await b.getAttribute('data-truth'),
    delta: Number(await b.getAttribute('data-delta')),
    text: ((await b.textContent()) ?? '').trim(),
  };
}

/** Sum of one column of the serving table over every page. */
async function columnSum(lab, column) {
  let sum = 0;
  for (;;) {
    const cells = await lab.page
      .locator(`[data-testid="table-serving"] tbody tr td:nth-child(${column + 1})`)
      .allTextContents();
    sum += cells.map(parseNumber).reduce((a, b) => a + b, 0);
    if (await lab.disabled('table-serving-next')) return sum;
    await lab.click('table-serving-next');
  }
}

async function goTo(lab, step) {
  await lab.seek(step);
  await lab.waitStep(step);
}

describe('/lambda', () => {
  test('a batch run is served: its cut-off moves and serving equals the truth so far', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lambda?v=1&seed=42&step=432', ROOT);
      await lab.waitStep(432);
      assert.equal(await lab.text('batch-run'), '#0');
      assert.match(await lab.text('batch-running'), /run #1/);
      await lab.click('step-forward');
      await lab.waitStep(433);
      assert.equal(await lab.text('batch-run'), '#1');
      assert.equal(parseNumber(await lab.text('cutoff')), 375);
      const b = await badge(lab, 'serving');
      assert.equal(b.state, 'correct', b.text);
      assert.equal(b.truth, 'so-far');
      assert.match(await lab.text('narration'), /Batch run #1 is served/);
      // The same window against the final truth: exact so far, but late events may still
      // be on their way, so it can only be short, never over.
      const fin = await badge(lab, 'window-final');
      assert.equal(fin.truth, 'final');
      assert.ok(fin.state === 'correct' || (fin.state === 'wrong' && fin.delta < 0), JSON.stringify(fin));
      assert.equal((await badge(lab, 'window')).state, 'correct');
    });
  });

  test("the note's UNION ALL counts the batch-covered events twice: the badge's delta is the batch column's total", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lambda?v=1&seed=42&step=432', ROOT);
      await lab.waitStep(432);
      await lab.loc('pitfall-union-all').first().check();
      await lab.until(() => lab.path(), (p) => /pitfalls=union-all/.test(p), 'the pitfall in the URL');
      assert.equal((await badge(lab, 'serving')).state, 'correct', 'no batch served yet: nothing overlaps');
      await lab.click('step-forward');
      await lab.waitStep(433);
      const b = await badge(lab, 'serving');
      assert.equal(b.state, 'wrong', b.text);
      assert.ok(b.delta > 300, `delta ${b.delta}`);
      // The speed layer still holds every window (retention 120 min > 72 min of data), so
      // the double count is exactly what the batch view covers.
      assert.equal(await columnSum(lab, 1), b.delta);
      assert.match(await lab.text('code-panel'), /UNION ALL/);
    });
  });

  test('a speed-layer crash loses answers until a batch run that started after it is served', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lambda?v=1&seed=42&step=800', ROOT);
      await lab.waitStep(800);
      await lab.click('fault-crash-speed');
      await lab.waitText('narration', /speed layer crashes/);
      const crashed = await badge(lab, 'serving');
      assert.equal(crashed.state, 'wrong');
      assert.ok(crashed.delta < 0, `delta ${crashed.delta}`);
      await goTo(lab, 801);
      assert.equal((await badge(lab, 'serving')).state, 'wrong', 'run #2 was cut off before the crash');
      await goTo(lab, 1191);
      assert.equal(await lab.text('batch-run'), '#3');
      assert.equal((await badge(lab, 'serving')).state, 'correct', 'run #3 started after the crash');
    });
  });

  test('very late events are refused by the speed layer and counted by the next batch run', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lambda?v=1&seed=42&step=1600', ROOT);
      await lab.waitStep(1600);
      const before = parseNumber(await lab.text('speed-too-late'));
      await lab.click('fault-very-late');
      await lab.waitText('narration', /refuses 8 of them/);
      assert.equal(parseNumber(await lab.text('speed-too-late')), before + 8);
      assert.equal((await badge(lab, 'serving')).delta, -8);
      await goTo(lab, 1918);
      assert.equal((await badge(lab, 'serving')).state, 'correct');
      assert.ok(parseNumber(await lab.text('accuracy')) >= 0.999);
    });
  });
});
