/**
 * The recurrent layers release their temporaries: a training step (forward, backward,
 * optimizer step) of LSTM, GRU and RNN, padded and packed, inside tidy leaves the storage
 * count where it was, and the fused nodes free their saved buffers after the backward.
 * (A file of its own, so that no earlier test's garbage is collected while it counts.)
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { storagesAfterCollection } from './helpers/memory.js';

const { nn } = torch;

describe('memory', () => {
  it('training steps of the recurrent layers leave no storage behind', () => {
    const storages = () => torch.memoryStats().cpu.storages;
    torch.manualSeed(0);
    const modules = [
      new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 }),
      new nn.GRU(3, 4, { numLayers: 2, batchFirst: true }),
      new nn.RNN(3, 4, { nonlinearity: 'relu', bidirectional: true }),
    ];
    const cell = new nn.LSTMCell(3, 4);
    const params = [...modules.flatMap((m) => [...m.parameters()]), ...cell.parameters()];
    const opt = new torch.optim.SGD(params, { lr: 0.01 });
    const x = torch.randn(5, 2, 3);
    const step = () => {
      torch.tidy(() => {
        opt.zeroGrad();
        let loss = torch.zeros([]);
        for (const m of modules) {
          const [out] = m(x) as [Tensor, unknown];
          loss = loss.add(out.sum());
          const packed = nn.utils.rnn.packPaddedSequence(x, [2, 5], false, false);
          const [po, h] = m(packed) as [InstanceType<typeof nn.utils.rnn.PackedSequence>, Tensor | [Tensor, Tensor]];
          loss = loss.add(po.data.sum()).add((Array.isArray(h) ? h[0] : h).sum());
        }
        const [hc, cc] = cell(x.select(0, 0));
        loss.add(hc.sum()).add(cc.sum()).backward();
        opt.step();
      });
      // A .grad outlives tidy; drop them so that only the layers' own storages are counted.
      for (const p of params) {
        p.grad?.dispose();
        p.grad = null;
      }
    };
    step();
    const before = storagesAfterCollection();
    step();
    step();
    expect(storages()).toBe(before);
  });
});
