// Module hooks that compile TypeScript with esbuild, one file at a time, keeping every line where
// it is (no whitespace minification, an inline source map with the source): V8's coverage of src/
// then maps back line for line. tsx minifies whitespace, which folds a file into one generated line
// and makes coverage report every loaded file as 100 % covered.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** `./x.js` in TypeScript source names `./x.ts` (moduleResolution NodeNext). */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || !specifier.endsWith('.js')) throw error;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: true,
    sourcefile: file,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
