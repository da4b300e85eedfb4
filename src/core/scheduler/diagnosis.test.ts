import { describe, expect, it } from 'vitest';
import { compareGoStrings, countReasons, fitErrorMessage } from './diagnosis';
import { unresolvable, unschedulable } from './status';

describe('FitError message', () => {
  it('lists "<count> <reason>" items sorted as strings, so the count’s digits take part', () => {
    expect(fitErrorMessage(19, { 'Insufficient memory': 9, 'Insufficient cpu': 10 })).toBe(
      '0/19 hosts are available: 10 Insufficient cpu, 9 Insufficient memory.',
    );
    expect(fitErrorMessage(5000, { "node(s) didn't match pod topology spread constraints": 600, 'Insufficient cpu': 2400 })).toBe(
      "0/5000 hosts are available: 2400 Insufficient cpu, 600 node(s) didn't match pod topology spread constraints.",
    );
  });

  it('appends the PostFilter message after a space', () => {
    expect(fitErrorMessage(2, { 'Insufficient cpu': 2 }, 'preemption: not eligible due to preemptionPolicy=Never.')).toBe(
      '0/2 hosts are available: 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
  });

  it('counts every reason of a host, hosts with several reasons in each', () => {
    const both = unschedulable('NodeResourcesFit', 'Insufficient cpu', 'Insufficient memory');
    const cpu = unschedulable('NodeResourcesFit', 'Insufficient cpu');
    const taint = unresolvable('TaintToleration', 'node(s) had untolerated taint {a: b}');
    expect(countReasons([both, cpu, null, taint, both], 5)).toEqual({
      'Insufficient cpu': 3,
      'Insufficient memory': 2,
      'node(s) had untolerated taint {a: b}': 1,
    });
  });

  it('orders strings by their UTF-8 bytes as Go does, astral characters after U+FFFF', () => {
    const items = ['\u{1F600}', '\uFF21', 'a'];
    expect([...items].sort(compareGoStrings)).toEqual(['a', '\uFF21', '\u{1F600}']);
  });
});
