import { boundaryCall } from '../tests/fuzz/boundary.ts';
import { native } from '../src/native/addon.ts';
let r = 0, t = 0; const msgs = new Map<string, number>();
import { mulberry32 } from '../tests/helpers/random.ts'; const rng = mulberry32(7);
for (let i = 0; i < 200000 && r + t < 4000; i++) {
  const bytes = [0,1,4,8,24,64,200,512].map(() => [0,4,8,24,64,200,512][Math.floor(rng()*7)]);
  const handles = bytes.slice(0,6).map(n => native.alloc(0, n, null));
  const c = boundaryCall(rng, { handles, bytes: bytes.slice(0,6) });
  if (c.name === 'quantizedLinearDynamic') { if (c.outcome === 'returned') r++; else { t++; const m = String((c.error as Error).message).slice(0, 70); msgs.set(m, (msgs.get(m) ?? 0) + 1); } }
  handles.forEach(h => native.release(h));
}
console.log({ r, t }); console.log([...msgs.entries()].sort((a,b)=>b[1]-a[1]).slice(0,12));
