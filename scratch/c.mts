import * as torch from '/work/main/src/index.ts';
const z = torch.tensor([[0.6,0.8],[0.28,0.96],[1.0000001,0.0001],[0.99999,0.001]]);
const c = torch.viewAsComplex(z);
for (const f of ['log','log2','log10','atan','atanh']) console.log(f, torch.viewAsReal((torch as any)[f](c)).tolist());
for (const e of [-1,-1.5,-2,-0.5,-3,0,2.5]) console.log(e, torch.viewAsReal(torch.pow(torch.viewAsComplex(torch.tensor([[0,0],[0,-0]], {dtype: torch.float32})), e)).tolist());
