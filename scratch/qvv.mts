import * as torch from '../src/index.ts';
const layer = torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(8, 4));
layer(torch.randn([3, 8]));
