// The part of vitest's API that the core test files use (describe, it, test, their skipIf,
// skip and each forms, the hooks, and expect with vitest's own matchers from @vitest/expect),
// for running those files where vitest itself cannot run: on linux-arm64 under qemu, where
// vitest's native esbuild and rollup binaries are x64 ones (scripts/run-core-tests.mjs
// bundles a test file with this module standing in for 'vitest'). Tests run one at a time,
// in the order they were declared, as vitest runs the tests of one file.
import * as chai from 'chai';
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  customMatchers,
  getState,
  setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** vitest's expect: chai's, with the jest matchers and an assertion count. */
export const expect = (value, message) => {
  const { assertionCalls } = getState(expect);
  setState({ assertionCalls: assertionCalls + 1 }, expect);
  return chai.expect(value, message);
};
Object.assign(expect, chai.expect);
Object.assign(expect, globalThis[ASYMMETRIC_MATCHERS_OBJECT]);
expect.getState = () => getState(expect);
expect.setState = (state) => setState(state, expect);
expect.extend = (matchers) => chai.expect.extend(expect, matchers);
expect.soft = (value, message) => expect(value, message);
expect.unreachable = (message) => chai.assert.fail(`expected not to be reached${message ? `: ${message}` : ''}`);
setState(
  {
    assertionCalls: 0,
    isExpectingAssertions: false,
    isExpectingAssertionsError: null,
    expectedAssertionsNumber: null,
    expectedAssertionsNumberErrorGen: null,
    currentTestName: '',
  },
  expect,
);
expect.extend(customMatchers);
globalThis[GLOBAL_EXPECT] = expect;

/** The suite being declared: its name, hooks and children (tests and suites). */
const root = { name: '', skip: false, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
let current = root;

function suite(name, fn, skip = false) {
  const node = { name, skip: skip || current.skip, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], parent: current };
  current.children.push(node);
  const outer = current;
  current = node;
  try {
    fn?.();
  } finally {
    current = outer;
  }
}

function test(name, fn, skip = false) {
  current.children.push({ name, fn, skip: skip || current.skip || !fn, parent: current });
}

/** Names as vitest formats them for .each: printf-style %s %d %i %j %o, or $key. */
function format(name, args, index) {
  let i = 0;
  let out = name.replace(/%[sdifjo#%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (spec === '%#') return String(index);
    const value = args[i++];
    return spec === '%j' || spec === '%o' ? JSON.stringify(value) : String(value);
  });
  if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') {
    out = out.replace(/\$([A-Za-z_][\w.]*)/g, (_, key) => String(key.split('.').reduce((o, k) => o?.[k], args[0])));
  }
  return out;
}

function withForms(declare) {
  const fn = (name, body) => declare(name, body, false);
  fn.skip = (name, body) => declare(name, body, true);
  fn.only = fn;
  fn.todo = (name) => declare(name, undefined, true);
  fn.skipIf = (condition) => (name, body) => declare(name, body, Boolean(condition));
  fn.runIf = (condition) => (name, body) => declare(name, body, !condition);
  fn.each = (table) => (name, body) =>
    table.forEach((row, index) => {
      const args = Array.isArray(row) ? row : [row];
      declare(format(name, args, index), () => body(...args), false);
    });
  return fn;
}

export const describe = withForms(suite);
export const it = withForms(test);
export { it as test };
export const beforeAll = (fn) => current.beforeAll.push(fn);
export const afterAll = (fn) => current.afterAll.push(fn);
export const beforeEach = (fn) => current.beforeEach.push(fn);
export const afterEach = (fn) => current.afterEach.push(fn);

function chain(node, key) {
  const hooks = [];
  for (let s = node.parent; s; s = s.parent) hooks.unshift(...s[key]);
  return key === 'afterEach' ? hooks.reverse() : hooks;
}

/**
 * FLINT_CORE_TESTS_SKIP, JSON [[title substring, reason], …]: tests that cannot run where this
 * runs (a test that spawns Node, on a machine that cannot execute the target's Node), each
 * skipped with its reason printed.
 */
const exclusions = JSON.parse(process.env.FLINT_CORE_TESTS_SKIP ?? '[]');
const excludedBecause = (title) => exclusions.find(([part]) => title.includes(part))?.[1];

/** Runs what was declared; prints a line per test and, last, a JSON summary line. */
export async function runDeclared(file) {
  const counts = { file, passed: 0, failed: 0, skipped: 0, failures: [] };
  const title = (node) => {
    const names = [];
    for (let n = node; n && n !== root; n = n.parent) names.unshift(n.name);
    return names.join(' > ');
  };
  async function visit(node) {
    const runs = node.children.some((child) => !child.skip);
    if (runs) for (const hook of node.beforeAll) await hook();
    for (const child of node.children) {
      if (child.children) {
        await visit(child);
        continue;
      }
      if (child.skip) {
        counts.skipped++;
        continue;
      }
      const excluded = excludedBecause(title(child));
      if (excluded) {
        counts.skipped++;
        console.log(`  ↓ ${title(child)} (SKIPPED here: ${excluded})`);
        continue;
      }
      setState({ assertionCalls: 0, currentTestName: title(child) }, expect);
      try {
        for (const hook of chain(child, 'beforeEach')) await hook();
        await child.fn();
        for (const hook of chain(child, 'afterEach')) await hook();
        counts.passed++;
        console.log(`  ✓ ${title(child)}`);
      } catch (error) {
        counts.failed++;
        counts.failures.push(`${title(child)}: ${error?.message ?? error}`);
        console.log(`  × ${title(child)}\n      ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n      ')}`);
      }
    }
    if (runs) for (const hook of node.afterAll) await hook();
  }
  await visit(root);
  console.log(JSON.stringify(counts));
  return counts;
}
