import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchedulerProfile } from './schedulerProfile';
import { defaultProfile } from '../core/scheduler';

const file = (text: string) => {
  const p = path.join(mkdtempSync(path.join(tmpdir(), 'sched-')), 'profile.yaml');
  writeFileSync(p, text);
  return p;
};

describe('loadSchedulerProfile', () => {
  it('is the default profile without a file', () => {
    expect(loadSchedulerProfile(undefined)).toEqual(defaultProfile());
  });

  it('merges a file over the default: weights one by one, the scoring strategy and the rest whole', () => {
    const p = loadSchedulerProfile(file('scoreWeights: { PodTopologySpread: 5 }\nscoringStrategy: { type: LeastAllocated }\ntieBreak: Random\n'));
    expect(p.scoreWeights).toEqual({ ...defaultProfile().scoreWeights, PodTopologySpread: 5 });
    expect(p.scoringStrategy).toEqual({ ...defaultProfile().scoringStrategy, type: 'LeastAllocated' });
    expect(p.tieBreak).toBe('Random');
    expect(p.hostOrder).toBe('FromFirst');
  });

  it('refuses an invalid profile at start, saying what is wrong', () => {
    expect(() => loadSchedulerProfile(file('scoreWeights: { NodeResourcesFit: 500, Magic: 1 }\n'))).toThrow(/scoreWeights\.Magic: unknown score plugin[\s\S]*scoreWeights\.NodeResourcesFit: 500 must be an integer in 0\.\.100/);
  });
});
