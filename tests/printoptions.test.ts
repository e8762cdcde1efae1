/**
 * torch.setPrintoptions against PyTorch 1.13 (tests/fixtures/printoptions.json, written by
 * scripts/make_printoptions_fixtures.py): the repr of float, integer, bool, float16, 0-d,
 * empty, summarised and requires-grad tensors under each option (precision, threshold,
 * edgeitems, linewidth), each profile, forced scientific notation on and off, and a sequence of
 * calls in which a later call without sciMode returns it to automatic.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import { fromFixture, type FixtureTensor } from './helpers/reference.js';

interface Case {
  calls: torch.PrintOptions[];
  reprs: Record<string, string | null>;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/printoptions.json', import.meta.url), 'utf8')) as {
  tensors: Record<string, FixtureTensor>;
  requires_grad: string[];
  default: Record<string, string>;
  cases: Case[];
};

function reprs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(FIXTURE.tensors)) {
    out[name] = String(fromFixture(t, { requiresGrad: FIXTURE.requires_grad.includes(name) }));
  }
  return out;
}

afterEach(() => torch.setPrintoptions({ profile: 'default' }));

describe('setPrintoptions prints as PyTorch 1.13 does', () => {
  it('the defaults', () => {
    expect(reprs()).toEqual(FIXTURE.default);
  });

  for (const c of FIXTURE.cases) {
    it(c.calls.map((o) => JSON.stringify(o)).join(' then '), () => {
      for (const call of c.calls) torch.setPrintoptions(call);
      const got = reprs();
      for (const [name, want] of Object.entries(c.reprs)) {
        // null: PyTorch itself fails there (edgeitems 0 on a summarised tensor of 2+ dims).
        if (want === null) continue;
        expect(got[name], name).toBe(want);
      }
    });
  }
});

describe('setPrintoptions arguments', () => {
  it('profile default restores every option', () => {
    torch.setPrintoptions({ precision: 1, threshold: 2, edgeitems: 1, linewidth: 10, sciMode: true });
    torch.setPrintoptions({ profile: 'default' });
    expect(String(torch.arange(10))).toBe('tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])');
    expect(String(torch.tensor([1.12345]))).toBe('tensor([1.1235])');
  });

  it('a bad value is refused and changes nothing', () => {
    torch.setPrintoptions({ precision: 2 });
    expect(() => torch.setPrintoptions({ precision: -1 })).toThrow(
      'setPrintoptions(): precision must be a non-negative integer, but got -1',
    );
    expect(() => torch.setPrintoptions({ threshold: 1.5, precision: 3 })).toThrow(
      'setPrintoptions(): threshold must be a non-negative integer or Infinity, but got 1.5',
    );
    expect(() => torch.setPrintoptions({ profile: 'long' as 'full' })).toThrow(
      "setPrintoptions(): profile must be 'default', 'short' or 'full', but got long",
    );
    expect(() => torch.setPrintoptions({ sciMode: 1 as unknown as boolean })).toThrow(
      'setPrintoptions(): sciMode must be a boolean or null, but got 1',
    );
    expect(String(torch.tensor([1.12345]))).toBe('tensor([1.12])');
  });
});
