import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { fill, formatDistance, formatDuration, loadTemplates, MessageFormatter, type ActivityFacts } from './format.js';

const f = new MessageFormatter();
const act = (o: Partial<ActivityFacts>): ActivityFacts => ({ firstName: 'Juliette', lastName: 'Mendes', sport: 'Runing', distanceM: 10800, elapsedS: 2760, comment: null, ...o });

test('the design examples, word for word', () => {
  assert.equal(f.format(act({})).text, 'Bravo Juliette Mendes ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !');
  assert.equal(
    f.format(act({ firstName: 'Laurence', lastName: 'Morvan', sport: 'Randonnée', distanceM: 10000, elapsedS: 9000 })).text,
    'Magnifique Laurence Morvan ! Une randonnée de 10 km terminée !',
  );
});

test('distances take a decimal comma, durations read "46 min" or "1 h 05"', () => {
  assert.equal(formatDistance(10800), '10,8 km');
  assert.equal(formatDistance(10000), '10 km');
  assert.equal(formatDistance(10049), '10 km');
  assert.equal(formatDistance(9960), '10 km');
  assert.equal(formatDistance(42195), '42,2 km');
  assert.equal(formatDistance(800), '800 m');
  assert.equal(formatDistance(null), '');
  assert.equal(formatDistance(0), '');
  assert.equal(formatDuration(2760), '46 min');
  assert.equal(formatDuration(3900), '1 h 05');
  assert.equal(formatDuration(3600), '1 h');
  assert.equal(formatDuration(7199), '2 h');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(null), '');
});

test('an activity without distance or comment reads naturally, for every sport of the source data', () => {
  assert.equal(f.format(act({ distanceM: null })).text, 'Bravo Juliette Mendes ! Tu viens de courir pendant 46 min ! Quelle énergie !');
  assert.equal(f.format(act({ sport: 'Randonnée', distanceM: null })).text, 'Magnifique Juliette Mendes ! Une randonnée terminée !');
  assert.equal(f.format(act({ sport: 'Vélo', distanceM: null, elapsedS: 3900 })).text, 'Chapeau Juliette Mendes ! Une sortie à vélo en 1 h 05 ! Belle sortie !');
  assert.equal(f.format(act({ sport: 'Vélo', distanceM: 32400, elapsedS: 3900 })).text, 'Chapeau Juliette Mendes ! 32,4 km à vélo en 1 h 05 ! Belle sortie !');
  assert.equal(f.format(act({ sport: 'Escalade', distanceM: null, elapsedS: 5400 })).text, 'Au sommet Juliette Mendes ! 1 h 30 d’escalade, quelle grimpe !');
  assert.equal(f.format(act({ sport: 'Sport inconnu', distanceM: null })).text, 'Bravo Juliette Mendes ! Une séance de sport inconnu en 46 min ! Continue comme ça !');
  const sports = ['Runing', 'Tennis', 'Randonnée', 'Natation', 'Football', 'Rugby', 'Badminton', 'Voile', 'Boxe', 'Judo', 'Escalade', 'Triathlon', 'Équitation', 'Tennis de table', 'Basketball', 'Vélo'];
  for (const sport of sports) {
    for (const distanceM of [null, 5400]) {
      const { text } = f.format(act({ sport, distanceM }));
      assert.match(text, /^\S.*[!.]$/, `${sport}: ${text}`);
      assert.ok(!/[[\]{}|]|\s[,!]?\s|  |de en|de !/.test(text.replace(/ !/g, '!')), `${sport} reads oddly: ${text}`);
      assert.ok(text.includes('Juliette Mendes'), text);
    }
  }
});

test('the comment follows on its own line; accents and apostrophes kept, Slack control characters escaped', () => {
  const m = f.format(act({ firstName: 'Hélène', lastName: "D'Almeida", comment: "Avec l'équipe du service <3 & plus" }));
  assert.equal(m.text, "Bravo Hélène D'Almeida ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !\n« Avec l'équipe du service &lt;3 &amp; plus »");
  assert.equal(m.plain, "Bravo Hélène D'Almeida ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !\n« Avec l'équipe du service <3 & plus »");
  assert.deepEqual(m.blocks, [
    { type: 'section', text: { type: 'plain_text', text: "Bravo Hélène D'Almeida ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !", emoji: true } },
    { type: 'context', elements: [{ type: 'plain_text', text: "« Avec l'équipe du service &lt;3 &amp; plus »", emoji: true }] },
  ]);
  assert.equal(f.format(act({ sport: 'randonnee', firstName: 'Jean-Baptiste', lastName: "N'Diaye" })).text, "Magnifique Jean-Baptiste N'Diaye ! Une randonnée de 10,8 km terminée !");
  assert.equal(f.format(act({ comment: '   ' })).blocks.length, 1);
});

test('no mention, link or formatting from data: <!channel>, <@U123>, <https://evil|click> and *bold* arrive as text', () => {
  const hostile = '<!channel> <@U123> <https://evil.example|click> *bold* _it_ ~no~ `code` &amp; AT&T > 3';
  const m = f.format(act({ firstName: '<!here>', lastName: '*Mendes*', sport: 'Tennis <b>', comment: hostile }));
  const texts = [m.text, ...m.blocks.flatMap((b) => [(b as { text?: { text: string } }).text?.text, ...((b as { elements?: { text: string }[] }).elements ?? []).map((e) => e.text)]).filter((t): t is string => typeof t === 'string')];
  for (const t of texts) {
    assert.ok(!t.includes('<'), `a "<" reaches Slack: ${t}`);
    assert.ok(!/&(?!(?:amp|lt|gt);)/.test(t), `a bare "&" reaches Slack: ${t}`);
  }
  assert.equal(m.text, 'Bravo &lt;!here&gt; *Mendes* ! Une séance de tennis &lt;b&gt; de 10,8 km en 46 min ! Continue comme ça !\n« &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; *bold* _it_ ~no~ `code` &amp;amp; AT&amp;T &gt; 3 »');
  // mrkdwn characters stay as typed: the text objects are plain_text, and the message is sent with mrkdwn off (slack.ts)
  assert.ok(m.blocks.every((b) => JSON.stringify(b).includes('"plain_text"') && !JSON.stringify(b).includes('"mrkdwn"')));
});

test('a long comment is cut at 500 characters with an ellipsis, never inside a surrogate pair, a grapheme or an escape', () => {
  const limit = 500;
  // 3.6 MB, the comment of issue 14
  const huge = 'Sortie magnifique '.repeat(200_000);
  const m = f.format(act({ comment: huge }));
  const comment = m.plain.split('\n')[1]!;
  assert.ok(comment.startsWith('« Sortie magnifique Sortie'), comment.slice(0, 40));
  assert.ok(comment.endsWith('… »'), comment.slice(-10));
  assert.ok([...new Intl.Segmenter('fr', { granularity: 'grapheme' }).segment(comment)].length <= limit + 5, `${comment.length} characters`); // « … »
  assert.ok(m.text.length < 3000, `Slack's block text limit: ${m.text.length}`);
  // emoji (surrogate pairs, and a family joined by ZWJ) across the limit: whole or not at all
  for (const unit of ['🏃', '👨‍👩‍👧', 'é', 'e\u0301', '&', '<']) {
    for (let pad = 0; pad < 4; pad++) {
      const c = 'x'.repeat(limit - 2 + pad) + unit.repeat(6);
      const out = f.format(act({ comment: c }));
      const line = out.text.split('\n')[1]!;
      assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(line), `a lone surrogate with ${JSON.stringify(unit)} pad ${pad}`);
      assert.ok(!/&(?!(?:amp|lt|gt);)/.test(line) && !line.includes('<'), `a cut escape with ${JSON.stringify(unit)} pad ${pad}: ${line.slice(-30)}`);
      const kept = out.plain.split('\n')[1]!.slice(2, -2);
      assert.ok(kept.endsWith('…'), kept.slice(-10));
      assert.ok(c.startsWith(kept.slice(0, -1)), `what is kept is a prefix of the comment (${JSON.stringify(unit)} pad ${pad})`);
      const units = [...new Intl.Segmenter('fr', { granularity: 'grapheme' }).segment(kept.slice(0, -1))].map((s) => s.segment);
      assert.ok(units.filter((u) => u !== 'x').every((u) => u === unit), `a grapheme cut in half: ${JSON.stringify(units.slice(-3))}`);
    }
  }
  // a comment at the limit is not cut
  const exact = 'y'.repeat(limit);
  assert.equal(f.format(act({ comment: exact })).plain.split('\n')[1], `« ${exact} »`);
});

test('templates: optional parts, alternatives, and a user file over the defaults', () => {
  assert.equal(fill('a[ b {x}] c', { x: '' }), 'a c');
  assert.equal(fill('a[ b {x}|, y] c', { x: '' }), 'a, y c');
  assert.equal(fill('a[ b {x}] c', { x: '1' }), 'a b 1 c');
  const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
  const file = join(dir, 't.json');
  writeFileSync(file, JSON.stringify({ sports: { Runing: 'Super {first_name} : {distance} !' }, comment: '💬 {comment}' }));
  const custom = new MessageFormatter(loadTemplates(file));
  assert.equal(custom.format(act({ comment: 'ok' })).text, 'Super Juliette : 10,8 km !\n💬 ok');
  assert.equal(custom.format(act({ sport: 'Randonnée' })).text, 'Magnifique Juliette Mendes ! Une randonnée de 10,8 km terminée !');
  writeFileSync(file, JSON.stringify({ sport: {} }));
  assert.throws(() => loadTemplates(file), (e: unknown) => e instanceof UserError && /unknown key "sport"/.test(e.message) && e.where === file);
  writeFileSync(file, '{');
  assert.throws(() => loadTemplates(file), UserError);
});
