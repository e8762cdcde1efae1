/**
 * Child process for the kill-mid-save test: saves a large checkpoint over `argv[2]` and
 * says when it starts, so the parent can SIGKILL it in the middle of the write.
 */
import * as torch from '../../src/index.js';

const file = process.argv[2];
const big = torch.rand(Number(process.argv[3] ?? 64 * 1024 * 1024));
process.stdout.write('saving\n');
torch.saveSync({ big }, file);
process.stdout.write('saved\n');
