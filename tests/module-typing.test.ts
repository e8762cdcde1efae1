// Types that follow the model: a module is called with what its forward takes, and
// Sequential/ModuleList's at() gives the module's class without `any`. The type checks run
// under `npm run typecheck` (tsc over tests/): a @ts-expect-error that stops erroring, or
// an expectTypeOf that stops matching, fails it; the runtime checks run here.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as torch from 'flint-torch';

const { nn } = torch;

class Masked extends nn.Module {
  readonly fc = new nn.Linear(4, 4);
  override forward(x: torch.Tensor, mask: torch.Tensor): torch.Tensor {
    return this.fc(x).mul(mask);
  }
}

describe('module typing', () => {
  it('a module takes what its forward takes', () => {
    const linear = new nn.Linear(2, 3);
    expectTypeOf(linear(torch.ones(1, 2))).toEqualTypeOf<torch.Tensor>();
    // @ts-expect-error: Linear's forward takes a Tensor
    expect(() => linear('not a tensor')).toThrow("linear(): argument 'input' must be a Tensor, but got the string \"not a tensor\"");
    const masked = new Masked();
    expect(masked(torch.ones(1, 4), torch.zeros(1, 4)).sum().item()).toBe(0);
    // @ts-expect-error: Masked's forward takes two tensors
    expect(() => masked(torch.ones(1, 4))).toThrow();
  });

  it('Sequential.at gives the class at a literal index, the union otherwise, and at<T> narrows', () => {
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expectTypeOf(net.at(0)).toEqualTypeOf<torch.nn.Linear>();
    expectTypeOf(net.at(1)).toEqualTypeOf<torch.nn.ReLU>();
    expectTypeOf(net.at(-1)).toEqualTypeOf<torch.nn.Linear | torch.nn.ReLU>();
    expectTypeOf(net.at<torch.nn.Linear>(2)).toEqualTypeOf<torch.nn.Linear>();
    expect(net.at(0).weight.shape).toEqual([3, 2]);
    expect(net.at(-1).constructor).toBe(nn.Linear);
    const byName = new nn.Sequential({ fc: new nn.Linear(2, 2) });
    expectTypeOf(byName.at(0)).toEqualTypeOf<torch.nn.Module<any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(byName.at(0)).toBeInstanceOf(nn.Linear);
    const grown = new nn.Sequential();
    grown.append(new nn.Tanh());
    expect(grown.at(0)).toBeInstanceOf(nn.Tanh);
  });

  it('ModuleList is typed by its modules', () => {
    const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
    expectTypeOf(layers.at(0)).toEqualTypeOf<torch.nn.Linear>();
    const shapes: number[][] = [];
    for (const layer of layers) {
      expectTypeOf(layer).toEqualTypeOf<torch.nn.Linear>();
      shapes.push(layer.weight.shape);
    }
    expect(shapes).toEqual([[4, 4], [4, 4]]);
  });
});
