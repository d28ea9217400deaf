// The congratulation message: French wording per sport, in the source project's tone, from
// templates a user can replace with a JSON file (notify.templates). A template is text with
// placeholders and optional parts:
//
//   {name} {first_name} {last_name}  the employee, as HR spells it (accents and apostrophes kept)
//   {sport}                          the sport in lower case ("tennis de table")
//   {distance}                       "10,8 km", "10 km", "800 m" (decimal comma)
//   {duration}                       "46 min", "1 h 05"
//   {comment}                        the employee's comment
//   [ ... ]                          an optional part: dropped when a placeholder inside it is empty
//   [ ... | ... ]                    the same with an alternative used instead of nothing
//
// so "Bravo {name} ! Tu viens de courir[ {distance} en| pendant] {duration} ! Quelle énergie !" reads
// naturally with or without a distance. The comment, when there is one, follows on its own line
// through the `comment` template, cut to COMMENT_LIMIT characters.
//
// Everything in a message may come from data (names, sport, comment), so nothing in it may act on
// Slack: the text is escaped as Slack's formatting rules require (`&` `<` `>` as `&amp;` `&lt;`
// `&gt;`, https://api.slack.com/reference/surfaces/formatting#escaping), which leaves no mention
// (`<!channel>`, `<@U123>`) and no link (`<https://…|click>`); the blocks are `plain_text`, and
// slack.ts sends the message with mrkdwn off, so `*bold*` or `_it_` in a comment stay as typed.

import { readFileSync } from 'node:fs';
import { UserError } from '../common/errors.js';

export interface Templates {
  /** Sport name (as the source data spells it) to template. Matched without case or accents. */
  sports: Record<string, string>;
  /** For a sport that has no template of its own. */
  default: string;
  /** The line after the sentence when the activity has a comment. */
  comment: string;
}

export const DEFAULT_TEMPLATES: Templates = {
  sports: {
    Runing: 'Bravo {name} ! Tu viens de courir[ {distance} en| pendant] {duration} ! Quelle énergie !',
    Running: 'Bravo {name} ! Tu viens de courir[ {distance} en| pendant] {duration} ! Quelle énergie !',
    'Course à pied': 'Bravo {name} ! Tu viens de courir[ {distance} en| pendant] {duration} ! Quelle énergie !',
    Randonnée: 'Magnifique {name} ! Une randonnée[ de {distance}] terminée !',
    Marche: 'Bien joué {name} ! [{distance} de marche|Une marche] en {duration}, chaque pas compte !',
    Vélo: 'Chapeau {name} ! [{distance} à vélo|Une sortie à vélo] en {duration} ! Belle sortie !',
    Natation: 'Bravo {name} ! Tu viens de nager[ {distance} en| pendant] {duration} ! Quelle aisance dans l’eau !',
    Triathlon: 'Respect {name} ! Un triathlon[ de {distance}] bouclé en {duration} ! Quelle endurance !',
    Voile: 'Bon vent {name} ! [{distance} de voile|Une sortie en voile] en {duration} ! Cap sur la prochaine !',
    Équitation: 'Bravo {name} ! Une balade à cheval[ de {distance}] en {duration} ! Belle complicité !',
    Tennis: 'Jeu, set et match {name} ! {duration} de tennis, quelle énergie !',
    'Tennis de table': 'Bravo {name} ! {duration} de tennis de table, quels réflexes !',
    Badminton: 'Bravo {name} ! {duration} de badminton, quel smash !',
    Football: 'Bravo {name} ! {duration} de football, quel match !',
    Rugby: 'Costaud {name} ! {duration} de rugby, quel engagement !',
    Basketball: 'Bravo {name} ! {duration} de basket, quel panier !',
    Boxe: 'Champion {name} ! {duration} de boxe, quelle puissance !',
    Judo: 'Bravo {name} ! {duration} de judo sur le tatami, quel ippon !',
    Escalade: 'Au sommet {name} ! {duration} d’escalade, quelle grimpe !',
  },
  default: 'Bravo {name} ! Une séance de {sport}[ de {distance}] en {duration} ! Continue comme ça !',
  comment: '« {comment} »',
};

/** The activity as the message needs it (already decoded from the change event). */
export interface ActivityFacts {
  firstName: string | null;
  lastName: string | null;
  sport: string;
  /** Metres, or null where distance means nothing (climbing, tennis). */
  distanceM: number | null;
  elapsedS: number | null;
  comment: string | null;
}

export interface FormattedMessage {
  /** Slack's `text` (the notification and fallback text), escaped. */
  text: string;
  /** The same text unescaped: what the log prints without a token. */
  plain: string;
  /** Block Kit blocks for chat.postMessage, their texts escaped. */
  blocks: Record<string, unknown>[];
}

/**
 * A comment longer than this many characters (as a reader counts them: an emoji or an accented
 * letter is one) is cut and ends with "…". Well under Slack's 40,000 characters for a message's
 * text and 3,000 for a block's text, even once escaped (`&` becomes five characters).
 */
export const COMMENT_LIMIT = 500;

/** "10,8 km", "10 km", "800 m": one decimal with a comma, none when it is zero. */
export function formatDistance(metres: number | null): string {
  if (metres === null || !Number.isFinite(metres) || metres <= 0) return '';
  if (metres < 1000) return `${Math.round(metres)} m`;
  const tenths = Math.round(metres / 100);
  const km = Math.floor(tenths / 10);
  const frac = tenths % 10;
  return frac === 0 ? `${km} km` : `${km},${frac} km`;
}

/** "46 min", "1 h 05", "2 h" (rounded to the minute; under a minute: "45 s"). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) return '';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')}`;
}

/** Case- and accent-insensitive key for sport names ("randonnee" finds "Randonnée"). */
function sportKey(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}

/**
 * Fills a template. `[a|b]` is an optional part with an alternative: `a` when all its placeholders
 * have values, else `b` (which may be empty, as in `[a]`).
 */
export function fill(template: string, values: Record<string, string>): string {
  const sub = (part: string): string | null => {
    let missing = false;
    const out = part.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = values[name] ?? '';
      if (v === '') missing = true;
      return v;
    });
    return missing ? null : out;
  };
  const withOptional = template.replace(/\[([^\]|]*)(?:\|([^\]]*))?\]/g, (_, main: string, alt: string | undefined) => sub(main) ?? (alt === undefined ? '' : sub(alt) ?? ''));
  return withOptional.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '').replace(/ {2,}/g, ' ').trim();
}

export class MessageFormatter {
  private readonly bySport = new Map<string, string>();

  constructor(private readonly templates: Templates = DEFAULT_TEMPLATES) {
    for (const [sport, t] of Object.entries(templates.sports)) this.bySport.set(sportKey(sport), t);
  }

  /** The sentence alone (no comment), for tests and previews. */
  sentence(a: ActivityFacts): string {
    const name = [a.firstName, a.lastName].filter((s) => s && s.trim()).join(' ');
    const template = this.bySport.get(sportKey(a.sport)) ?? this.templates.default;
    return fill(template, {
      name: name || 'à toi',
      first_name: a.firstName ?? '',
      last_name: a.lastName ?? '',
      sport: a.sport.toLowerCase(),
      distance: formatDistance(a.distanceM),
      duration: formatDuration(a.elapsedS),
      comment: a.comment ?? '',
    });
  }

  format(a: ActivityFacts): FormattedMessage {
    const sentence = this.sentence(a);
    const trimmed = a.comment?.trim() ?? '';
    const comment = trimmed ? fill(this.templates.comment, { comment: cut(trimmed, COMMENT_LIMIT) }) : '';
    const plain = comment ? `${sentence}\n${comment}` : sentence;
    const blocks: Record<string, unknown>[] = [{ type: 'section', text: plainText(sentence) }];
    if (comment) blocks.push({ type: 'context', elements: [plainText(comment)] });
    return { text: escapeSlack(plain), plain, blocks };
  }
}

/** A Block Kit plain_text object: Slack applies no formatting, mention or link to it. */
function plainText(text: string): Record<string, unknown> {
  return { type: 'plain_text', text: escapeSlack(text), emoji: true };
}

/** Slack's three control characters as the entities Slack decodes; everything else (accents, apostrophes) stays. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const graphemes = new Intl.Segmenter('fr', { granularity: 'grapheme' });

/**
 * The first `limit` characters of `s` and "…" when it is longer. Characters are grapheme clusters,
 * so an emoji (a surrogate pair, or several joined by ZWJ) or a letter and its accent is kept
 * whole or dropped whole; the cut is made before escaping, so no escape is cut either.
 */
export function cut(s: string, limit: number): string {
  let n = 0;
  let end = 0;
  for (const { index, segment } of graphemes.segment(s)) {
    if (n === limit) return `${s.slice(0, index).trimEnd()}…`;
    n++;
    end = index + segment.length;
  }
  return s.slice(0, end);
}

/** Reads a templates file over the defaults: any of `sports`, `default`, `comment` may be given. */
export function loadTemplates(path: string): Templates {
  if (!path) return DEFAULT_TEMPLATES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read the message templates: ${(e as Error).message}`, {
      where: path,
      fix: 'give notify.templates a JSON file such as {"sports": {"Runing": "Bravo {name} ! ..."}, "default": "...", "comment": "« {comment} »"} (see docs/notifier.md)',
    });
  }
  const p = parsed as Partial<Templates>;
  const bad = (what: string) =>
    new UserError(`the message templates file has ${what}`, { where: path, fix: 'see docs/notifier.md for the format: {"sports": {...}, "default": "...", "comment": "..."}' });
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw bad('no top-level object');
  for (const k of Object.keys(p)) if (!['sports', 'default', 'comment'].includes(k)) throw bad(`an unknown key "${k}"`);
  if (p.sports !== undefined && (typeof p.sports !== 'object' || Object.values(p.sports).some((v) => typeof v !== 'string'))) throw bad('"sports" that is not an object of strings');
  if (p.default !== undefined && typeof p.default !== 'string') throw bad('a "default" that is not a string');
  if (p.comment !== undefined && typeof p.comment !== 'string') throw bad('a "comment" that is not a string');
  return { sports: { ...DEFAULT_TEMPLATES.sports, ...(p.sports ?? {}) }, default: p.default ?? DEFAULT_TEMPLATES.default, comment: p.comment ?? DEFAULT_TEMPLATES.comment };
}
