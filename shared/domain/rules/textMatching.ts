// How prefixes, trigger phrases and categories are compared with what users
// type. Outlook clients differ in how they encode the same letters (macOS and
// iOS often send "ö" as "o" + a combining diaeresis; Windows sends one code
// point), and users do not care about case, so text is folded before it is
// compared. Diacritics stay significant: "Möte" and "Mote" are different words.

/**
 * NFKC, then a full case fold. JavaScript has no case-fold primitive;
 * upper- then lower-casing comes closest (ß → ss, final sigma → σ), and a
 * second NFKC puts back anything the case mapping decomposed.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/u;
const WORD_CHAR = /[\p{L}\p{N}]$/u;
const MARK = /^\p{M}/u;

/** The folded words of a text: runs of letters and digits (with their marks). */
export function wordsOf(text: string): string[] {
  return foldText(text)
    .split(NOT_WORD)
    .filter((word) => word !== '');
}

/**
 * True when the phrase's words occur in the subject as whole, consecutive
 * words: "Lunch" matches "Lunch with Anna" and "lunch-meeting" but not
 * "Lunchmöte" or "Lunchroom booking".
 */
export function containsPhrase(subjectWords: readonly string[], phrase: string): boolean {
  const phraseWords = wordsOf(phrase);
  if (phraseWords.length === 0) return false;
  for (let start = 0; start + phraseWords.length <= subjectWords.length; start++) {
    if (phraseWords.every((word, offset) => subjectWords[start + offset] === word)) return true;
  }
  return false;
}

/**
 * When the subject starts with the prefix (after leading spaces, folded),
 * returns the rest of the subject as typed (NFC), else undefined. A prefix
 * ending in a letter or digit must end a word ("HEM" does not match "Hemma"),
 * and no prefix may end in the middle of an accented letter.
 */
export function subjectAfterPrefix(subject: string, prefix: string): string | undefined {
  const wanted = foldText(prefix.trim());
  if (wanted === '') return undefined;
  const characters = Array.from(subject.normalize('NFC').trimStart());
  const longest = Math.min(characters.length, wanted.length * 4 + 4);
  let typed = '';
  for (let index = 0; index < longest; index++) {
    typed += characters[index];
    if (foldText(typed) !== wanted) continue;
    const next = characters[index + 1];
    if (next === undefined) return '';
    if (MARK.test(next)) continue;
    if (WORD_CHAR.test(wanted) && WORD_CHAR.test(next)) continue;
    return characters.slice(index + 1).join('');
  }
  return undefined;
}

/** Outlook category names compare folded and without surrounding spaces. */
export function categoryKey(category: string): string {
  return foldText(category.trim());
}
