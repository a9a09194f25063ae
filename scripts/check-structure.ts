// Structure check for src/, run by `npm run lint`. A small script rather than dependency-cruiser: its folder-scoped
// cycle rule works on every folder, not on the top-level ones only, and we want exactly two rules:
//  - index rule: a file in src/A/ imports a file of another top-level folder src/B/ only through src/B/index.ts;
//  - no circles: none between files, and none between the top-level folders (A -> B if a file of A imports one of B).
// Imports counted: import (type-only too), export ... from, import x = require(), import('literal'), import('x').T.
// Run: node --import tsx scripts/check-structure.ts [srcDir]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

type Edge = { from: string; to: string }; // paths relative to the root, with '/'

/** Every .ts/.tsx file under root, as root-relative paths. */
function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listFiles(root, p);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [relative(root, p).split(sep).join('/')] : [];
  });
}

/** The module specifiers a file names (static, re-export, require, dynamic and type imports with a literal). */
export function importsOf(fileName: string, text: string): string[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) found.push(e.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = node.arguments[0];
      if (a && ts.isStringLiteralLike(a)) found.push(a.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The .ts/.tsx file (root-relative) a relative specifier names, or undefined (package, non-TS file, outside root). */
function resolveSpecifier(root: string, fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(root, dirname(fromFile), spec);
  const stem = base.replace(/\.(js|jsx|ts|tsx)$/, '');
  for (const c of [`${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    const rel = relative(root, c);
    if (!rel.startsWith('..') && existsSync(c) && statSync(c).isFile()) return rel.split(sep).join('/');
  }
  return undefined;
}

/** Top-level folder of a root-relative path; a file directly in root is its own folder. */
const folderOf = (file: string) => file.split('/')[0]!;

/** Tarjan's strongly connected components: the component id of each node. */
function components(nodes: string[], next: Map<string, Set<string>>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  let ids = 0;
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.set(w, ids);
      } while (w !== v);
      ids++;
    }
  };
  for (const v of nodes) if (!index.has(v)) strong(v);
  return comp;
}

/** A shortest circle through the edge from -> to (both in one component): from, to, ..., from. */
function circleThrough(from: string, to: string, next: Map<string, Set<string>>): string[] {
  const prev = new Map<string, string>([[to, to]]);
  const queue = [to];
  while (queue.length) {
    const v = queue.shift()!;
    if (v === from) break;
    for (const w of next.get(v) ?? []) {
      if (prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  const back: string[] = [from];
  for (let v = from; v !== to; v = prev.get(v)!) back.unshift(prev.get(v)!);
  return [from, ...back];
}

/** Edges lying on a circle (both ends in one strongly connected component, or a self-import), with one circle each. */
function circleEdges(edges: Edge[]): { edge: Edge; circle: string[] }[] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to));
  const comp = components([...next.keys()], next);
  return edges
    .filter(({ from, to }) => from === to || comp.get(from) === comp.get(to))
    .map((edge) => ({ edge, circle: edge.from === edge.to ? [edge.from, edge.from] : circleThrough(edge.from, edge.to, next) }));
}

/** Checks the tree at root (a src/ directory); returns one line per violation, sorted, empty when the tree is clean. */
export function checkStructure(root: string): { violations: string[]; files: number; imports: number } {
  const label = basename(resolve(root));
  const show = (f: string) => `${label}/${f}`;
  const files = listFiles(root);
  const edges = new Map<string, Edge>(); // deduplicated by "from to"
  for (const from of files) {
    for (const spec of importsOf(from, readFileSync(join(root, from), 'utf8'))) {
      const to = resolveSpecifier(root, from, spec);
      if (to) edges.set(`${from} ${to}`, { from, to });
    }
  }
  const all = [...edges.values()];
  const violations: string[] = [];
  for (const { from, to } of all) {
    const b = folderOf(to);
    if (folderOf(from) !== b && to !== b && !/^[^/]+\/index\.tsx?$/.test(to)) {
      violations.push(`${show(from)} -> ${show(to)}: cross-folder import must go through ${show(`${b}/index.ts`)}`);
    }
  }
  for (const { edge, circle } of circleEdges(all)) {
    violations.push(`${show(edge.from)} -> ${show(edge.to)}: file circle: ${circle.map(show).join(' -> ')}`);
  }
  // Folder graph: one edge per pair of top-level folders, remembering which file imports make it.
  const folderEdges = new Map<string, Edge>();
  for (const e of all) {
    const [a, b] = [folderOf(e.from), folderOf(e.to)];
    if (a !== b) folderEdges.set(`${a} ${b}`, { from: a, to: b });
  }
  const onCircle = new Map(circleEdges([...folderEdges.values()]).map(({ edge, circle }) => [`${edge.from} ${edge.to}`, circle]));
  for (const { from, to } of all) {
    const circle = onCircle.get(`${folderOf(from)} ${folderOf(to)}`);
    if (circle && folderOf(from) !== folderOf(to)) violations.push(`${show(from)} -> ${show(to)}: folder circle: ${circle.join(' -> ')}`);
  }
  return { violations: violations.sort(), files: files.length, imports: all.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = process.argv[2] ?? 'src';
  const { violations, files, imports } = checkStructure(root);
  if (violations.length) {
    for (const v of violations) console.log(v);
    const count = (rule: string) => violations.filter((v) => v.includes(`: ${rule}`)).length;
    const byRule = `${count('cross-folder')} index rule, ${count('file circle')} file circle, ${count('folder circle')} folder circle`;
    console.error(`structure check: ${violations.length} violation(s) in ${root}/ (${byRule}; ${files} files, ${imports} imports)`);
    process.exit(1);
  }
  console.log(`structure check: ok (${files} files, ${imports} imports, no deep cross-folder imports, no circles)`);
}
