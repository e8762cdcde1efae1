import * as torch from '../src/index.ts';
const q = torch.ao.quantization.quantizeDynamic(new torch.nn.Sequential(new torch.nn.Linear(4, 3)), new Set([torch.nn.Linear]));
try { await torch.save(q.stateDict(), '/tmp/q.pt'); console.log('saved?!'); } catch (e) { console.log('ERR', (e as Error).message); }
try { await torch.save(torch.quantizePerTensor(torch.tensor([0.5]), 0.1, 0, torch.qint8), '/tmp/q2.pt'); console.log('saved?!'); } catch (e) { console.log('ERR', (e as Error).message); }
try { torch.serialization; const x = q.to('cpu'); console.log(String(x)); } catch (e) { console.log('ERR', (e as Error).message); }
try { const y = (q as any).half(); console.log(String(y)); } catch (e) { console.log('ERR', (e as Error).message); }
