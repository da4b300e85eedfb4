import { describe, expect, it } from 'vitest';
import { nestingExceeds } from './plugin';

describe('the nesting pre-scan (before the parser recurses)', () => {
  it.each([
    { text: '{ a { b } }', max: 2, over: false },
    { text: '{ a { b { c } } }', max: 2, over: true },
    { text: '{ a(x: [[1]]) }', max: 4, over: false },
    { text: '{ a(x: [[[1]]]) }', max: 4, over: true },
    { text: '{ a(x: "{{{{{{") }', max: 2, over: false },
    { text: '{ a(x: "\\"{{{{") }', max: 2, over: false },
    { text: '{ a(x: """ {{{{ """) }', max: 2, over: false },
    { text: '{ a # {{{{{{\n }', max: 1, over: false },
    { text: '{'.repeat(100_000), max: 50, over: true },
  ])('$text with at most $max levels: over $over', ({ text, max, over }) => {
    expect(nestingExceeds(text, max)).toBe(over);
  });
});
