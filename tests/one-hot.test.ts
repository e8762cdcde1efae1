/**
 * F.oneHot against torch.nn.functional.one_hot (tests/fixtures/transformer.json): values,
 * inferred and given class counts, 0-d and empty inputs, PyTorch's errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { expectClose, fromFixture } from './helpers/reference.js';
import { FIXTURES } from './helpers/transformer-fixtures.js';

const F = torch.nn.functional;

describe('F.oneHot', () => {
  for (const [name, c] of Object.entries(FIXTURES.one_hot)) {
    it(`${name}: as PyTorch's`, () => {
      expectClose(F.oneHot(fromFixture(c.input), c.numClasses), c.out);
    });
  }
  it("raises PyTorch's errors", () => {
    const E = FIXTURES.errors;
    expect(() => F.oneHot(torch.tensor([1.5, 2]))).toThrow(E.one_hot_dtype);
    expect(() => F.oneHot(torch.tensor([1, -1]))).toThrow(E.one_hot_negative);
    expect(() => F.oneHot(torch.tensor([1, 3]), 3)).toThrow(E.one_hot_too_large);
    expect(() => F.oneHot(torch.zeros([0], { dtype: torch.int64 }))).toThrow(E.one_hot_empty);
    expect(() => F.oneHot(torch.tensor([1]), 1.5)).toThrow(/num_classes/);
  });
});
