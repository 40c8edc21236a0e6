#!/usr/bin/env node
// Fails on a relative link in the Markdown users read (README.md, docs/**, packages/*/README.md)
// whose file is missing: a moved or renamed page otherwise goes unnoticed until a reader clicks.
// Web links and pure #anchors are left alone; an anchor after a path is not checked, only the path.
// With file arguments it checks those files instead (a test of the check itself).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function markdownUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

function pagesToCheck() {
  const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, 'packages', entry.name, 'README.md'))
    .filter((path) => existsSync(path));
  return [join(root, 'README.md'), ...markdownUnder(join(root, 'docs')), ...packages];
}

// Code spans and fenced blocks hold examples, not links: `[x](y)` there is text.
function withoutCode(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

// Inline links and images `[text](target "title")`, and reference definitions `[id]: target`.
function targetsOf(text) {
  const plain = withoutCode(text);
  const inline = [...plain.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...plain.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

function isExternal(target) {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : pagesToCheck();
const broken = [];
for (const file of files) {
  for (const target of targetsOf(readFileSync(file, 'utf8'))) {
    if (isExternal(target) || target.startsWith('#')) continue;
    const path = decodeURIComponent(target.split('#')[0].split('?')[0]);
    if (!existsSync(resolve(dirname(file), path))) broken.push(`${relative(root, file)}: ${target}`);
  }
}
if (broken.length > 0) {
  console.error(`broken relative links (${broken.length}):\n${broken.map((b) => `  ${b}`).join('\n')}`);
  process.exit(1);
}
console.log(`doc links: ${files.length} files, every relative link resolves`);
