import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The citizens' booking pages: a build of their own, so that the public
// listener serves only dist/buchen/ (at /buchen/) and never the staff bundle.
// The staff build writes dist/ first and empties it; this one adds buchen/
// and empties only that folder.
// Paths from this file's place, not the working directory (URL keeps the
// config free of Node's types, which tsconfig does not load).
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: `${here}src/public`,
  base: './',
  // Svelte's config sits next to this file, not in the root.
  plugins: [svelte({ configFile: `${here}svelte.config.js` })],
  publicDir: false,
  build: {
    outDir: `${here}dist/buchen`,
    emptyOutDir: true,
    // No inline data: URLs for assets: everything is a file from 'self'.
    assetsInlineLimit: 0,
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
