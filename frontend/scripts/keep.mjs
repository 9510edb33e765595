// Vite empties dist/ on every build; Go embeds frontend/dist with
// `//go:embed all:dist`, which needs at least one file there even before the
// first build, so the tracked placeholder is written back afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, '.keep'), 'placeholder so go:embed compiles before the first frontend build\n');
