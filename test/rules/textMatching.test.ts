import {
  categoryKey,
  containsPhrase,
  subjectAfterPrefix,
  wordsOf,
} from '../../shared/domain/rules/textMatching';

describe('subject prefixes', () => {
  it.each([
    ['LUN: pizza', 'LUN:', ' pizza'],
    ['lun:pizza', 'LUN:', 'pizza'],
    ['   Lun:  pizza ', 'LUN:', '  pizza '],
    ['MÖT: kund', 'mo\u0308t:', ' kund'],
    ['Mo\u0308t: kund', 'MÖT:', ' kund'],
    ['ＬＵＮ： pizza', 'LUN:', ' pizza'],
    ['HEM', 'HEM', ''],
    ['HEM idag', 'HEM', ' idag'],
    ['Straße: zu', 'STRASSE:', ' zu'],
  ])('%j starts with %j', (subject, prefix, rest) => {
    expect(subjectAfterPrefix(subject, prefix)).toBe(rest);
  });

  it.each([
    ['Hemma', 'HEM'],
    ['Efter LUN: samtal', 'LUN:'],
    ['LU N: pizza', 'LUN:'],
    ['Mote', 'MÖT'],
    ['Mo\u0308te', 'MO'],
    ['', 'LUN:'],
    ['LUN: pizza', '   '],
  ])('%j does not start with %j', (subject, prefix) => {
    expect(subjectAfterPrefix(subject, prefix)).toBeUndefined();
  });
});

describe('trigger phrases', () => {
  it('match whole consecutive words, ignoring case, punctuation and Unicode form', () => {
    const words = wordsOf('Re: Gått för dagen – hämtar, LUNCH-möte');
    expect(words).toEqual(['re', 'gått', 'för', 'dagen', 'hämtar', 'lunch', 'möte']);
    expect(containsPhrase(words, 'gått för dagen')).toBe(true);
    expect(containsPhrase(words, 'Ga\u030Att FÖR')).toBe(true);
    expect(containsPhrase(words, 'lunch')).toBe(true);
    expect(containsPhrase(words, 'för hämtar')).toBe(false);
    expect(containsPhrase(words, 'dag')).toBe(false);
    expect(containsPhrase(wordsOf('Lunchmöte'), 'Lunch')).toBe(false);
    expect(containsPhrase(wordsOf('Lunchroom booking'), 'Lunch')).toBe(false);
    expect(containsPhrase(wordsOf('anything'), '...')).toBe(false);
  });
});

describe('categories', () => {
  it('compare folded and trimmed', () => {
    expect(categoryKey(' Lunch ')).toBe(categoryKey('LUNCH'));
    expect(categoryKey('Mo\u0308te')).toBe(categoryKey('MÖTE'));
    expect(categoryKey('Möte')).not.toBe(categoryKey('Mote'));
  });
});
