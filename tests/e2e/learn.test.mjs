// The learning layer (issue 9), through the page's own controls: every pattern's guided tour
// taken to the end (each slide lands on its state; leave and explore from there; deep links
// to a slide); every question link of the bank opens its page at its step; practice answered
// right and wrong (choice, numeric with a unit, nonsense, generated); a timed interview run
// on an injected clock; progress, tour positions and saved scenarios kept across reloads;
// export and import (merge, replace), corrupt and foreign files, and unreadable stored data.
// Expected answers are read from the question bank's data files (the spec the grader must
// honour), never from the app.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PATTERNS, REPO_DIR, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const DATA = path.join(REPO_DIR, 'core', 'data');
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(DATA, p), 'utf8'));
const BANK = PATTERNS.flatMap((p) => readJson(`quiz/${p}.json`));
const byId = new Map(BANK.map((q) => [q.id, q]));
const stepOf = (link) => Number(new URLSearchParams(link.split('?')[1]).get('step') ?? 0);
const query = (link) => new URLSearchParams(link.split('?')[1]);

/** The state keys of a URL (everything but tour), sorted: two links name one state iff equal. */
function stateKeys(search) {
  const q = new URLSearchParams(search);
  q.delete('tour');
  return [...q.entries()].filter(([k]) => k !== 'v').sort().map(([k, v]) => `${k}=${v}`).join('&');
}

async function clickSlide(lab, n, slide) {
  await lab.waitText('tour-slide', String(n));
  await lab.waitText('tour-title', slide.title);
  await lab.waitStep(stepOf(slide.link), 60_000);
  // The URL holds the slide's state (through the one encoder) and the slide number.
  await lab.until(async () => new URL(lab.page.url()).search, (s) => query(`?${s.slice(1)}`).get('tour') === String(n), `tour=${n} in the URL`);
  const want = stateKeys(slide.link.split('?')[1]);
  const got = stateKeys(new URL(lab.page.url()).search);
  for (const kv of want.split('&').filter((x) => !x.startsWith('step='))) {
    assert.ok(got.split('&').includes(kv), `slide ${n}: the URL lacks ${kv}: ${got}`);
  }
}

describe('guided tours', () => {
  for (const slug of PATTERNS) {
    test(`/${slug}: the tour runs to the end, each slide on its state`, async () => {
      const tour = readJson(`tours/${slug}.json`);
      await env.withPage(async (lab) => {
        await lab.open(`/${slug}`, `page-${slug}`);
        await lab.assertAbsent('tour');
        assert.match(await lab.text('tour-open'), /Take the tour/);
        await lab.click('tour-open');
        for (let i = 1; i <= tour.slides.length; i++) {
          await clickSlide(lab, i, tour.slides[i - 1]);
          assert.equal(await lab.text('tour-total'), String(tour.slides.length));
          if (i < tour.slides.length) await lab.click('tour-next');
        }
        await lab.assertAbsent('tour-next');
        await lab.click('tour-finish');
        await lab.waitCount('tour', 0);
        await lab.waitText('notice', /Tour finished/);
        assert.equal(new URL(lab.page.url()).searchParams.get('tour'), null, 'a finished tour leaves the URL');
        // Kept across a reload: the button offers the tour again.
        await lab.reload(`page-${slug}`);
        await lab.waitText('tour-open', /again/);
      });
    });
  }

  test('a deep link opens a slide; leaving keeps the state to explore from; a bad slide number is clamped and said', async () => {
    const tour = readJson('tours/kappa.json');
    const third = tour.slides[2];
    await env.withPage(async (lab) => {
      await lab.open('/kappa?v=1&tour=3', 'page-kappa');
      await clickSlide(lab, 3, third);
      await lab.click('tour-prev');
      await clickSlide(lab, 2, tour.slides[1]);
      await lab.click('tour-next');
      await clickSlide(lab, 3, third);
      // Explore inside the slide, then leave: the state stays exactly where it was.
      const at = await lab.int('step');
      // (The slide may sit at the run's last step: then explore backwards.)
      const [button, moved] = (await lab.disabled('step-forward')) ? ['step-back', at - 1] : ['step-forward', at + 1];
      await lab.click(button);
      await lab.waitStep(moved);
      // A reload inside the tour keeps the explored state (the link holds one).
      await lab.reload('page-kappa');
      await lab.waitStep(moved);
      await lab.waitText('tour-slide', '3');
      await lab.click('tour-again');
      await lab.waitStep(at);
      await lab.click(button);
      await lab.waitStep(moved);
      await lab.click('tour-leave');
      await lab.waitCount('tour', 0);
      await lab.waitStep(moved);
      assert.equal(new URL(lab.page.url()).searchParams.get('tour'), null);
      assert.equal(Number(new URL(lab.page.url()).searchParams.get('step')), moved);
      // The position is remembered: the button resumes at slide 3.
      await lab.reload('page-kappa');
      await lab.waitText('tour-open', `Resume the tour (3/${tour.slides.length})`);
      await lab.click('tour-open');
      await clickSlide(lab, 3, third);

      await lab.open('/kappa?v=1&tour=99', 'page-kappa');
      await clickSlide(lab, tour.slides.length, tour.slides.at(-1));
      await lab.waitText('notice', /slide 99 does not exist/);
    });
  });
});

describe('question bank links', () => {
  test('every question’s link opens its page at the stated step', async () => {
    const links = [...new Set(BANK.map((q) => q.link))];
    assert.ok(links.length >= 60, `only ${links.length} distinct links`);
    await env.withPage(async (lab) => {
      for (const link of links) {
        const route = link.split('?')[0].slice(1);
        const root = `page-${route.replace('/', '-')}`;
        await lab.open(link, root);
        await lab.waitStep(stepOf(link), 60_000);
        await lab.assertAbsent('url-error', link);
      }
    });
  });
});

/** Picks the quiz filter and waits for the list to show a question of `pattern`. */
async function filterTo(lab, pattern) {
  await lab.set('quiz-filter-pattern', pattern, ['change']);
  await lab.until(async () => byId.get(await lab.attr('quiz-question', 'data-id'))?.pattern, (p) => p === pattern, `a ${pattern} question`);
}

/** Answers the shown question right or wrong, from the bank's data. */
async function answer(lab, right) {
  const id = await lab.attr('quiz-question', 'data-id');
  const q = byId.get(id);
  assert.ok(q, `${id} is in the bank`);
  if (q.kind === 'choice') {
    const pick = right ? q.answer : (q.answer + 1) % q.choices.length;
    await lab.loc(`quiz-choice-${pick}`).first().check();
  } else {
    const off = Number(q.tolerance ?? 0) + Math.max(1, Math.abs(q.answer));
    const value = right ? `${q.answer}${q.unit ? ' ' + q.unit : ''}` : String(q.answer + off);
    await lab.set('quiz-number', value, ['input']);
  }
  await lab.click('quiz-submit');
  return id;
}

describe('/quiz', () => {
  test('practice: right and wrong answers, a numeric one with its unit, nonsense refused, progress counted', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/quiz', 'page-quiz');
      assert.equal(await lab.int('quiz-count'), BANK.length + 3, 'the bank plus one generated question of each kind');
      // The lead counts what the practice list counts (a newcomer read "132 questions", then "1 of 135").
      assert.match(await lab.text('page-quiz'), new RegExp(`${BANK.length} questions in the bank .* plus 3 generated .*: ${BANK.length + 3} to practise in all`));
      assert.equal(await lab.text('quiz-mastered'), '0');
      await filterTo(lab, 'cdc');
      assert.equal(await lab.int('quiz-count'), BANK.filter((q) => q.pattern === 'cdc').length + 1);
      await answer(lab, false);
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'false', 'graded wrong');
      const wrongText = await lab.text('quiz-result');
      const q = byId.get(await lab.attr('quiz-question', 'data-id'));
      assert.ok(wrongText.includes(q.explanation.slice(0, 40)), 'the explanation is shown');
      assert.equal(await lab.attr('quiz-link', 'href'), q.link);
      await answer(lab, true);
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'true', 'graded right');
      await lab.waitText('quiz-mastered', '1');

      // A numeric question: nonsense is an error next to the input, not a wrong answer.
      await lab.set('quiz-filter-pattern', '', ['change']);
      await lab.set('quiz-filter-source', 'bank', ['change']);
      const numericIndex = BANK.findIndex((x) => x.kind === 'numeric');
      for (let i = 0; i < numericIndex; i++) await lab.click('quiz-next');
      await lab.until(() => lab.attr('quiz-question', 'data-id'), (id) => id === BANK[numericIndex].id, 'the first numeric question');
      await lab.set('quiz-number', 'about a dozen', ['input']);
      await lab.click('quiz-submit');
      await lab.waitText('quiz-input-error', /is not a number/);
      await lab.assertAbsent('quiz-result');
      await answer(lab, true);
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'true', 'numeric right with its unit');
      await lab.waitText('quiz-mastered', '2');

      // Only the ones not yet right: the two answered right drop out.
      await lab.set('quiz-filter-source', 'all', ['change']);
      await lab.loc('quiz-filter-unmastered').first().check();
      await lab.until(() => lab.int('quiz-count'), (n) => n === BANK.length + 3 - 2, 'two fewer');
    });
  });

  test('generated questions: graded by the simulation’s answer, new ones for a new seed', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/quiz', 'page-quiz');
      await lab.set('quiz-filter-source', 'generated', ['change']);
      await lab.until(() => lab.int('quiz-count'), (n) => n === 3, 'three generated questions');
      const first = await lab.text('quiz-question');
      assert.match(first, /generated from a seeded simulation/);
      await lab.set('quiz-number', '-1', ['input']);
      await lab.click('quiz-submit');
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'false', 'wrong');
      const said = (await lab.text('quiz-result')).match(/The answer is (\d+)/);
      assert.ok(said, 'the right answer is shown');
      await lab.set('quiz-number', said[1], ['input']);
      await lab.click('quiz-submit');
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'true', 'the shown answer grades right');
      await lab.set('quiz-gen-seed', '77');
      await lab.until(() => lab.text('quiz-question'), (t) => t !== first && /Seed 77|User ids/.test(t), 'a new question for seed 77');
      await lab.set('quiz-gen-seed', 'not a seed');
      await lab.waitText('quiz-gen-seed-error', /whole number/);
    });
  });

  test('a timed interview on an injected clock: time runs out, late answers do not count, the report is by pattern', async () => {
    const T0 = 1_800_000_000_000;
    await env.withPage({ initScripts: [`window.__pipelabClock = ${T0};`] }, async (lab) => {
      await lab.open('/quiz', 'page-quiz');
      await lab.click('quiz-mode-interview');
      await lab.set('quiz-filter-source', 'bank', ['change']);
      await lab.set('interview-count', '4', ['input']);
      await lab.set('interview-minutes', '1', ['input']);
      await lab.click('interview-start');
      await lab.waitText('interview-remaining', '1:00');
      await lab.page.evaluate((t) => { window.__pipelabClock = t; }, T0 + 15_000);
      await lab.waitText('interview-remaining', '0:45');
      const asked = [];
      asked.push(await answer(lab, true));
      await lab.waitText('interview-position', '2');
      asked.push(await answer(lab, false));
      await lab.waitText('interview-position', '3');
      // Time runs out with two questions open.
      await lab.page.evaluate((t) => { window.__pipelabClock = t; }, T0 + 61_000);
      await lab.waitCount('interview-report', 1);
      await lab.assertAbsent('interview-position');
      const score = lab.loc('interview-score').first();
      assert.equal(await score.getAttribute('data-right'), '1');
      assert.equal(await score.getAttribute('data-asked'), '4');
      assert.match(await lab.text('interview-score'), /2 not answered in 1:00 — time ran out/);
      // By pattern: each answered question's pattern has a row, and the rows add up to 4.
      const rows = await lab.page.$$eval('[data-testid^="interview-row-"]', (els) => els.map((e) => [e.dataset.testid, [...e.querySelectorAll('td')].map((td) => Number(td.textContent))]));
      assert.equal(rows.reduce((s, [, c]) => s + c[0], 0), 4);
      assert.equal(rows.reduce((s, [, c]) => s + c[1], 0), 1);
      for (const id of asked) assert.ok(rows.some(([t]) => t === `interview-row-${byId.get(id).pattern}`), id);
      // Kept in the history.
      await lab.click('quiz-mode-work');
      await lab.waitText('interview-history', /1 of 4 right in 1:00 \(of 1:00 allowed\)/);
      await lab.reload('page-quiz');
      await lab.click('quiz-mode-work');
      await lab.waitText('interview-history', /1 of 4 right/);
    });
  });
});

describe('saved work', () => {
  test('saved scenarios, progress and tour positions survive a reload; export then import (merge, replace)', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=9&step=120', 'page-cdc');
      await lab.click('save-scenario');
      await lab.set('save-name', '   ', ['input']);
      await lab.click('save-confirm');
      await lab.waitText('save-message', /Give the scenario a name/);
      await lab.set('save-name', 'CDC <b>at</b> 120', ['input']);
      await lab.click('save-confirm');
      await lab.waitText('save-message', /Saved “CDC <b>at<\/b> 120”/);
      await lab.open('/quiz', 'page-quiz');
      await answer(lab, true);
      await lab.waitText('quiz-mastered', '1');
      await lab.reload('page-quiz');
      await lab.waitText('quiz-mastered', '1');
      await lab.click('quiz-mode-work');
      // User text is text: the name shows its angle brackets, no <b> element is made.
      await lab.waitText('saved-open-0', 'CDC <b>at</b> 120');
      assert.equal(await lab.loc('saved-scenarios').first().locator('b').count(), 0);
      await lab.click('saved-open-0');
      await lab.waitReady('page-cdc');
      await lab.waitStep(120);
      assert.equal(await lab.value('seed'), '9');

      // Export, then wipe by replacing with an empty file, then import the export back.
      await lab.open('/quiz', 'page-quiz');
      await lab.click('quiz-mode-work');
      const [download] = await Promise.all([lab.page.waitForEvent('download'), lab.click('work-export')]);
      const exported = fs.readFileSync(await download.path(), 'utf8');
      const doc = JSON.parse(exported);
      assert.equal(doc.pipelab, 'saved-work');
      assert.equal(doc.scenarios[0].name, 'CDC <b>at</b> 120');
      const file = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
      const empty = JSON.stringify({ pipelab: 'saved-work', format: 1 });
      await lab.page.setInputFiles('[data-testid="work-import"]', file('empty.json', empty));
      await lab.waitText('work-import-choice', /0 answered questions/);
      await lab.click('work-import-replace');
      await lab.waitText('work-import-done', /replaced/);
      await lab.waitText('saved-scenarios', /None yet/);
      await lab.waitText('quiz-mastered', '0');
      await lab.page.setInputFiles('[data-testid="work-import"]', file('pipelab-work.json', exported));
      await lab.waitText('work-import-choice', /1 answered questions, 0 interviews, 0 tour positions and 1 saved scenarios/);
      await lab.click('work-import-merge');
      await lab.waitText('work-import-done', /merged/);
      await lab.waitText('saved-open-0', 'CDC <b>at</b> 120');
      await lab.waitText('quiz-mastered', '1');
      // Merging the same file again renames nothing that is identical.
      await lab.page.setInputFiles('[data-testid="work-import"]', file('pipelab-work.json', exported));
      await lab.click('work-import-merge');
      await lab.waitCount('saved-open-1', 0);
      await lab.click('saved-delete-0');
      await lab.waitText('saved-scenarios', /None yet/);
      await lab.reload('page-quiz');
      await lab.click('quiz-mode-work');
      await lab.waitText('saved-scenarios', /None yet/);
    });
  });

  test('a corrupt or foreign file is refused with its reason and the current work is kept', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&step=5', 'page-sharding');
      await lab.click('save-scenario');
      await lab.set('save-name', 'keep me', ['input']);
      await lab.click('save-confirm');
      await lab.waitText('save-message', /Saved/);
      await lab.open('/quiz', 'page-quiz');
      await lab.click('quiz-mode-work');
      const file = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
      const cases = [
        ['broken.json', '{"pipelab": "saved-work", "format": 1, "scenarios": [', /not valid JSON \(line 1, column \d+/],
        ['other.json', '{"name": "some other app", "items": []}', /not a pipelab save file/],
        ['list.json', '[1, 2, 3]', /holds a JSON array/],
        ['newer.json', '{"pipelab": "saved-work", "format": 7}', /newer pipelab \(format 7\)/],
        ['bad-route.json', '{"pipelab": "saved-work", "format": 1, "scenarios": [{"name": "x", "route": "evil", "query": "", "saved_ms": 0}]}', /scenarios\[0\]\.route/],
        ['empty.json', '', /The file is empty/],
      ];
      for (const [name, text, says] of cases) {
        await lab.page.setInputFiles('[data-testid="work-import"]', file(name, text));
        await lab.waitText('work-import-error', says);
        assert.match(await lab.text('work-import-error'), /Your current work is unchanged|empty/);
        await lab.assertAbsent('work-import-choice');
      }
      await lab.waitText('saved-open-0', 'keep me');
      await lab.reload('page-quiz');
      await lab.click('quiz-mode-work');
      await lab.waitText('saved-open-0', 'keep me');
    });
  });

  test('unreadable stored work is never overwritten until the learner chooses', async () => {
    const broken = '{"pipelab":"saved-work","format":1,"answers":[{"id":"x"';
    const seed = `if (!sessionStorage.getItem('seeded')) { localStorage.setItem('pipelab.work', ${JSON.stringify(broken)}); sessionStorage.setItem('seeded', '1'); }`;
    await env.withPage({ initScripts: [seed] }, async (lab) => {
      await lab.open('/quiz', 'page-quiz');
      await lab.waitText('work-damaged', /could not be read.*not valid JSON.*Nothing has been overwritten/s);
      await answer(lab, true);
      await lab.until(() => lab.attr('quiz-result', 'data-correct'), (c) => c === 'true', 'graded');
      assert.equal(await lab.page.evaluate(() => localStorage.getItem('pipelab.work')), broken, 'the stored text is untouched');
      // The work done meanwhile survives a reload too.
      await lab.reload('page-quiz');
      await lab.waitText('quiz-mastered', '1');
      await lab.waitCount('work-damaged', 1);
      // The banner is on simulation pages too.
      await lab.open('/kappa', 'page-kappa');
      await lab.waitCount('work-damaged', 1);
      const [download] = await Promise.all([lab.page.waitForEvent('download'), lab.click('work-damaged-download')]);
      assert.equal(fs.readFileSync(await download.path(), 'utf8'), broken);
      await lab.click('work-damaged-discard');
      await lab.waitCount('work-damaged', 0);
      const stored = await lab.page.evaluate(() => localStorage.getItem('pipelab.work'));
      assert.equal(JSON.parse(stored).pipelab, 'saved-work');
      assert.equal(JSON.parse(stored).answers.length, 1, 'the answer given meanwhile is kept');
      assert.equal(await lab.page.evaluate(() => localStorage.getItem('pipelab.work.meanwhile')), null);
    });
  });
});

describe('predict, then step', () => {
  /** For each "Predict…" question: tries every choice; returns the index graded right per question. */
  async function predictions(lab) {
    const ids = await lab.page.$$eval('[data-testid="questions"] [data-testid^="question-"]', (els) =>
      els.filter((e) => e.querySelector(':scope > .prompt')?.textContent.startsWith('Predict'))
        .map((e) => e.dataset.testid.slice('question-'.length)));
    assert.ok(ids.length >= 1, 'the page asks at least one "predict" question');
    const right = {};
    for (const id of ids) {
      const n = await lab.page.locator(`[data-testid^="question-${id}-choice-"]`).count();
      const graded = [];
      for (let i = 0; i < n; i++) {
        await lab.loc(`question-${id}-choice-${i}`).first().check();
        await lab.click(`question-${id}-check`);
        graded.push(await lab.until(() => lab.attr(`question-${id}-result`, 'data-correct'), (c) => c === 'true' || c === 'false', 'graded'));
      }
      assert.equal(graded.filter((g) => g === 'true').length, 1, `${id}: exactly one choice is right (${graded})`);
      right[id] = graded.indexOf('true');
    }
    return right;
  }

  for (const slug of PATTERNS) {
    test(`/${slug}: the "predict" questions are graded from the live run, without moving it`, async () => {
      await env.withPage(async (lab) => {
        await lab.open(`/${slug}?v=1&step=20`, `page-${slug}`);
        await lab.waitStep(20);
        await predictions(lab);
        await lab.waitStep(20);
        await lab.click('step-forward');
        await lab.waitStep(21);
        await predictions(lab);
      });
    });
  }
});
