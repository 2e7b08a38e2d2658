import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The controller's folders form a tree (docs/architecture.md "Module graph"): an import from one
 * top-level folder of src/ to another is an edge, and the edges have no cycle. Read from the
 * sources themselves, so a new import that closes a loop fails here, naming the loop.
 */
const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** Top-level folder of a file under src/ (files directly in src/ are the root: main.ts, app.module.ts). */
function folderOf(file: string): string {
  const relative = path.relative(SRC, file);
  return relative.includes(path.sep) ? relative.split(path.sep)[0] : '.';
}

function folderEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
      const to = folderOf(path.resolve(path.dirname(file), match[1]));
      if (to === from || to === '.') continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)?.add(to);
    }
  }
  return edges;
}

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('controller module graph', () => {
  it('has no cycle between the folders of src/', () => {
    const cycle = findCycle(folderEdges());
    expect(cycle ? cycle.join(' -> ') : 'no cycle').toBe('no cycle');
  });

  it('keeps the seams neutral and the pool below the data path', () => {
    const edges = folderEdges();
    expect([...(edges.get('seams') ?? [])]).toEqual([]);
    expect(edges.get('pool')?.has('proxy') ?? false).toBe(false);
    expect(edges.get('pool')?.has('scaling') ?? false).toBe(false);
    expect(edges.get('proxy')?.has('scaling') ?? false).toBe(false);
  });

  it('has global modules only for config and the clock, and no ModuleRef look-ups around the graph', () => {
    const globals: string[] = [];
    const lookUps: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = fs.readFileSync(file, 'utf8');
      if (/@Global\(\)/.test(text)) globals.push(path.relative(SRC, file));
      if (/\bModuleRef\b/.test(text)) lookUps.push(path.relative(SRC, file));
    }
    expect(globals.sort()).toEqual(['clock/clock.module.ts', 'config/config.module.ts']);
    expect(lookUps).toEqual([]);
  });
});
